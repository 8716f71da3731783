"""Hybrid retrieval over the real corpus (the session `kb`): one hit per entry, best first,
filters by section and Big Tech, and a clear error for a section that does not exist."""

from __future__ import annotations

import pytest

from rag.retrieval import LONG_QUESTION_WORDS, METHODS, UnknownSection, normalise_query


@pytest.fixture(scope="module")
def retriever(kb):
    return kb.retriever


def non_space(text: str) -> str:
    return "".join(text.split())


def test_a_plain_question_finds_its_entry_first(retriever):
    hits = retriever.search("how do I roll back a bad model", k=3)
    assert hits[0].entry.question_number == 10


@pytest.mark.parametrize("method", METHODS)
def test_one_hit_per_entry_best_first(retriever, method):
    hits = retriever.search("monitoring data drift in production", k=10, method=method)
    assert len(hits) == 10
    ids = [h.entry.source_id for h in hits]
    assert len(set(ids)) == len(ids)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_k_larger_than_the_corpus_returns_every_entry_once(retriever, kb):
    hits = retriever.search("model", k=1000)
    assert sorted(h.entry.source_id for h in hits) == sorted(e.source_id for e in kb.corpus.entries)


def test_a_hit_shows_a_passage_of_its_own_entry(retriever):
    for hit in retriever.search("which statistical tests detect drift", k=5):
        assert 0.0 <= hit.dense <= 1.0
        assert 0.0 <= hit.lexical <= 1.0
        assert hit.text and non_space(hit.text) in non_space(hit.entry.answer)


def test_hit_json_has_the_search_contract_fields(retriever):
    doc = retriever.search("what is a model registry", k=1)[0].to_json()
    assert {"source_id", "question_number", "title", "section", "score", "text"} <= set(doc)
    assert doc["source_id"] == "mlops-interview-questions#q12"
    assert doc["question_number"] == 12


def test_the_section_filter_is_case_insensitive(retriever, kb):
    in_section = [e.source_id for e in kb.corpus.entries if e.section == "Model Management"]
    hits = retriever.search("monitoring", k=50, section="model MANAGEMENT")
    assert sorted(h.entry.source_id for h in hits) == sorted(in_section)
    assert retriever.check_section("  testing & deployment ") == "Testing & Deployment"


def test_the_big_tech_filter_keeps_only_tagged_questions(retriever, kb):
    tagged = {e.source_id for e in kb.corpus.entries if e.big_tech}
    hits = retriever.search("how do you deploy models", k=50, big_tech=True)
    assert {h.entry.source_id for h in hits} == tagged
    assert len(tagged) == 16


def test_filters_combine(retriever):
    hits = retriever.search("tracking experiments", k=50, section="Tools & Technologies", big_tech=True)
    assert hits
    assert all(h.entry.big_tech and h.entry.section == "Tools & Technologies" for h in hits)


def test_an_unknown_section_names_the_valid_ones(retriever):
    with pytest.raises(UnknownSection) as raised:
        retriever.search("drift", section="Astrology")
    message = str(raised.value)
    assert "Astrology" in message
    for section in ("Model Management", "CI/CD for ML", "Scalability & Performance"):
        assert section in message


def test_an_unknown_method_is_refused(retriever):
    with pytest.raises(ValueError, match="hybrid"):
        retriever.search("drift", method="magic")


def test_a_query_of_only_spaces_and_control_characters_finds_nothing(retriever):
    assert retriever.search(" \u200b\t\x00 \u202e ", k=5) == []


def test_odd_unicode_around_a_real_question_still_finds_it(retriever):
    plain = retriever.search("what is a model registry", k=1)[0].entry.source_id
    odd = retriever.search("\u202ewhat\u200b is a   model\u00a0registry\x00?", k=1)[0].entry.source_id
    assert odd == plain


def test_query_normalisation_strips_controls_and_collapses_space():
    assert normalise_query("  k8s\u200b  rollout ") == "k8s rollout"


def test_the_glossary_expands_a_term_and_points_at_the_entries_that_explain_it(retriever):
    named = retriever.glossary.match("PSI vs KS?")
    assert "Population Stability Index" in named.expanded and "Kolmogorov-Smirnov test" in named.expanded
    q8 = [e.question_number for e in retriever.entries].index(8)
    assert named.prior[q8] == 1.0
    assert retriever.search("PSI", k=1)[0].entry.question_number == 8


def test_a_longer_glossary_name_wins_over_the_acronym_inside_it(retriever):
    assert retriever.glossary.match("is AUC-ROC enough").terms == ("AUC-ROC",)


def test_a_name_most_entries_use_expands_but_gives_no_prior(retriever):
    named = retriever.glossary.match("ML in general")
    assert "Machine Learning" in named.expanded
    assert not named.prior.any()


def test_alternate_questions_are_a_view_of_their_entry(retriever, kb):
    bank = kb.study_bank.of("mlops-interview-questions#q8")
    hit = retriever.search(bank.alternates[0], k=1)[0]
    assert hit.entry.question_number == 8
    assert hit.components["alternate"] > 0.99


def test_a_long_scenario_is_also_matched_against_the_alternates_words(retriever):
    story = (
        "Our churn model's precision sank right after marketing redesigned the signup form, "
        "and nobody touched the model. Where do we start?"
    )
    assert len(story.split()) >= LONG_QUESTION_WORDS
    hits = retriever.search(story, k=5)
    assert all(0.0 < h.components["alternate_bm25"] <= 1.0 for h in hits[:3])  # the alternates share its words
    assert {8, 11, 20, 21, 22, 23} & {h.entry.question_number for h in hits[:3]}  # drift and monitoring
    short = retriever.search("signup form churn precision", k=5)
    assert all(h.components["alternate_bm25"] == 0.0 for h in short)  # a short question does without it


def test_entries_are_looked_up_by_source_id(retriever):
    assert retriever.entry("mlops-interview-questions#q8").question_number == 8
    assert retriever.entry("mlops-interview-questions#q99") is None
