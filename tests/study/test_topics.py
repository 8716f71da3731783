"""Topics by meaning: a free-text topic is resolved through the glossary, the study bank's
alternate questions and the entries' own text, and a thinly covered one says so."""

from __future__ import annotations

import pytest

from rag.study.quiz import make_quiz
from rag.study.topics import TopicNotCovered, resolve_topic

PREFIX = "mlops-interview-questions#q"

# topic -> question numbers that must be among the entries it resolves to
EXPECTED = {
    "kubernetes": {29, 34},
    "docker": {29, 14},
    "drift": {8, 11},
    "a/b testing": {17},
    "canary": {16},
    "model registry": {12},
    "mlflow": {28},
    "airflow": {27},
    "rollback": {10},
    "dvc": {3},
    "feature store": {33, 34},
    "ci/cd": {24},
    "explainability": {35},
    "monitoring": {20},
    "rolling back a bad model release": {10},
}


def numbers(topic) -> set[int]:
    return {e.question_number for e in topic.entries}


@pytest.mark.parametrize("text, expected", EXPECTED.items(), ids=list(EXPECTED))
def test_a_free_text_topic_resolves_to_the_entries_that_discuss_it(kb, text, expected):
    topic = resolve_topic(kb, text)
    assert topic.kind == "free_text" and topic.name == text
    assert expected <= numbers(topic), (text, numbers(topic))
    assert topic.used


@pytest.mark.parametrize("text", ["feature store", "airflow", "explainability"])
def test_a_thinly_covered_topic_says_so_and_what_it_used(kb, text):
    topic = resolve_topic(kb, text)
    assert "thinly" in topic.notice and text in topic.notice
    assert "Used: " in topic.notice and any(kind in topic.notice for kind in topic.used)


@pytest.mark.parametrize("text", ["kubernetes", "drift", "canary"])
def test_a_well_covered_topic_has_no_notice(kb, text):
    assert resolve_topic(kb, text).notice is None


def test_the_quiz_carries_the_thin_coverage_notice(kb):
    quiz = make_quiz(kb, "feature store", n=3, seed=1)
    assert "thinly" in quiz.notice
    assert {item.source_id for item in quiz.items} <= {e.source_id for e in resolve_topic(kb, "feature store").entries}


def test_a_free_text_quiz_never_repeats_an_item(kb):
    quiz = make_quiz(kb, "kubernetes", n=10, seed=3)
    assert len({item.id for item in quiz.items}) == len(quiz.items) == 10
    assert {PREFIX + "29", PREFIX + "34"} & {item.source_id for item in quiz.items}


def test_a_topic_nothing_names_or_resembles_is_refused(kb):
    with pytest.raises(TopicNotCovered, match="does not cover"):
        resolve_topic(kb, "how to bake sourdough bread")


def test_a_mix_draws_on_every_section(kb):
    topic = resolve_topic(kb, "mixed")
    assert topic.kind == "mixed"
    assert {e.section for e in topic.entries} == {e.section for e in kb.corpus.entries if e.question_number}
    quiz = make_quiz(kb, "a mix", n=8, seed=2)
    assert len({kb.retriever.entry(i.source_id).section for i in quiz.items}) >= 4
