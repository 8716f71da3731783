"""The offline composer: a direct answer first, a few relevant points, one marker per source, short."""

from __future__ import annotations

import re

import pytest

from rag.tutor.question_parts import question_parts
from rag.tutor.tutor import Tutor


@pytest.fixture(scope="module")
def tutor(kb):
    return Tutor(kb)


@pytest.mark.parametrize(
    "question",
    [
        "How do you handle data drift in a production machine learning model?",
        "What are the steps to integrate a new model into an existing pipeline?",
        "Canary vs blue-green deployment",
        "What is MLOps?",
    ],
)
def test_an_offline_answer_is_short_and_cites_each_source_once(tutor, question):
    answer = tutor.ask(question)
    assert answer.grounded
    assert len(answer.answer.split()) <= 200
    markers = re.findall(r"\[(\d+)\]", answer.answer)
    assert sorted(markers) == [str(c.marker) for c in answer.citations]


def test_numbered_steps_stay_numbered(tutor):
    answer = tutor.ask("How would you integrate a new model into an existing MLOps pipeline?")
    assert re.search(r"^\d+\. \*\*", answer.answer, re.MULTILINE)


def test_a_comparison_cites_both_sides_each_once(tutor):
    answer = tutor.ask("What is the difference between model versioning and A/B testing?")
    cited = [c.question_number for c in answer.citations]
    assert {9, 17} <= set(cited)
    assert len(cited) == len(set(cited))


def test_question_parts_split_comparisons_and_two_part_questions():
    assert question_parts("PSI vs KS test") == ["PSI", "KS test"]
    assert question_parts("difference between canary and blue-green?") == ["canary", "blue-green"]
    assert question_parts("What is drift? How do you detect it?") == ["What is drift", "How do you detect it"]
    assert question_parts("What is a model registry?") == []
