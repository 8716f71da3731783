"""Chunking: every passage fits the embedding model's window, and an entry's chunks cover
all of its answer, in order.

Lengths are measured with the loaded model's own tokenizer (special tokens included),
so "fits" means "the model reads every word of it", not "our counter agrees with itself".
"""

from __future__ import annotations

import pytest
from conftest import CORPUS

from rag.chunking import MODEL_WINDOW, chunk_entries, chunk_entry, token_counter
from rag.corpus import load_corpus
from rag.entry import Entry


@pytest.fixture(scope="module")
def model(embedder):
    return embedder.model()


@pytest.fixture(scope="module")
def count(embedder):
    return token_counter(embedder.model_name_or_path)


def word_pieces(model, text: str) -> int:
    """What the model reads: [CLS] + word pieces + [SEP], before its own truncation."""
    return len(model.tokenizer(text, truncation=False)["input_ids"])


def non_space(text: str) -> str:
    return "".join(text.split())


def entry(answer: str, title: str = "How do you keep chunks small?") -> Entry:
    return Entry(
        source_id="notes#pathological",
        question_number=None,
        title=title,
        section="Notes",
        big_tech=False,
        answer=answer,
    )


PATHOLOGICAL = {
    "a 5000-word paragraph": entry(" ".join(f"feature{i % 97} drifts" for i in range(2500))),
    "one huge token": entry("x" * 20_000),
    "a huge URL without spaces": entry("https://example.org/" + "/".join(f"seg{i}" for i in range(3000))),
    "CJK text without spaces": entry("模型监控" * 1500),
    "a huge title": entry("Short answer.", title=" ".join(["why"] * 3000) + "?"),
    "a huge title and a long answer": entry("Long answer sentence. " * 400, title="monitoring " * 800),
}


def test_the_model_window_is_what_the_chunker_assumes(model):
    assert model.max_seq_length == MODEL_WINDOW


def test_the_chunkers_counter_agrees_with_the_model_tokenizer(model, count):
    q8 = load_corpus(CORPUS).by_id()["mlops-interview-questions#q8"]
    for text in (q8.title, q8.answer, "MLflow, DVC & Kubeflow: 模型 🙂"):
        assert count(text) + 2 == word_pieces(model, text)


def test_no_passage_of_the_corpus_exceeds_the_window(model, count):
    passages = chunk_entries(load_corpus(CORPUS).entries, count)
    assert len(passages) > 36 * 2  # most answers need several chunks
    longest = max(word_pieces(model, p.text) for p in passages)
    assert longest <= MODEL_WINDOW


@pytest.mark.parametrize("case", list(PATHOLOGICAL))
def test_no_passage_of_a_pathological_entry_exceeds_the_window(model, count, case):
    passages = chunk_entry(PATHOLOGICAL[case], count)
    assert passages
    for passage in passages:
        assert word_pieces(model, passage.text) <= MODEL_WINDOW, (passage.kind, passage.text[:80])


@pytest.mark.parametrize("case", list(PATHOLOGICAL))
def test_chunks_of_a_pathological_entry_cover_its_answer_in_order(count, case):
    e = PATHOLOGICAL[case]
    bodies = [p.body for p in chunk_entry(e, count) if p.kind == "chunk"]
    assert non_space("".join(bodies)) == non_space(e.answer)


def test_chunks_of_every_entry_cover_all_of_its_answer_in_order(count):
    """Concatenated chunk bodies give back the answer exactly, up to whitespace: nothing
    lost, nothing repeated, nothing reordered."""
    for e in load_corpus(CORPUS).entries:
        bodies = [p.body for p in chunk_entry(e, count) if p.kind == "chunk"]
        assert non_space("".join(bodies)) == non_space(e.answer), e.source_id


def test_long_answers_become_several_chunks_each_carrying_the_title(count):
    q20 = load_corpus(CORPUS).by_id()["mlops-interview-questions#q20"]
    chunks = [p for p in chunk_entry(q20, count) if p.kind == "chunk"]
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.source_id == q20.source_id
        assert chunk.text == f"{q20.title}\n{chunk.body}"


def test_an_entry_has_a_title_passage_and_one_passage_per_key_point(count):
    q8 = load_corpus(CORPUS).by_id()["mlops-interview-questions#q8"]
    passages = chunk_entry(q8, count)
    kinds = [p.kind for p in passages]
    assert kinds.count("title") == 1
    assert kinds.count("point") == len(q8.key_points)
    (title,) = [p for p in passages if p.kind == "title"]
    assert title.text == q8.title
    points = [p for p in passages if p.kind == "point"]
    assert points[0].text.startswith(f"{q8.title}: Monitoring:")
    assert "**" not in points[0].text
    assert len({p.chunk_id for p in passages}) == len(passages)


def test_passage_ids_and_hashes_are_stable_and_follow_the_text(count):
    q8 = load_corpus(CORPUS).by_id()["mlops-interview-questions#q8"]
    first, again = chunk_entry(q8, count), chunk_entry(q8, count)
    assert [(p.chunk_id, p.content_hash) for p in first] == [(p.chunk_id, p.content_hash) for p in again]
    edited = chunk_entry(Entry(**{**q8.__dict__, "answer": q8.answer + "\n\nOne more sentence."}), count)
    changed = {p.chunk_id for p, q in zip(first, edited) if p.content_hash != q.content_hash}
    assert changed and all("::chunk::" in pid for pid in changed)
