"""Incremental indexing on a tiny corpus with the real model and a real Chroma in a temp dir.

The store is keyed by passage id and content hash: an unchanged corpus embeds nothing (and
never loads the model), an edit re-embeds only the passages whose text changed, a removed
file takes exactly its passages with it.
"""

from __future__ import annotations

import pytest
from conftest import make_settings

from rag.chunking import chunk_entries, token_counter
from rag.corpus import load_corpus
from rag.embeddings import Embedder
from rag.indexing import build_index, index_status, open_store


@pytest.fixture
def settings(tmp_path, tiny_corpus):
    return make_settings(tmp_path / "data", tiny_corpus)


@pytest.fixture
def indexed(settings, embedder):
    """The tiny corpus indexed once; returns the first report."""
    return build_index(settings, embedder, progress=False)


def stored_hashes(settings) -> dict[str, str]:
    return open_store(settings).hashes()


def expected_passages(settings):
    return chunk_entries(load_corpus(settings.corpus_dir).entries, token_counter(settings.embedding_model))


def test_the_first_index_embeds_every_passage(settings, indexed):
    passages = expected_passages(settings)
    assert indexed.entries == 4
    assert indexed.chunks == len(passages)
    assert indexed.embedded == len(passages)
    assert indexed.removed == 0
    assert indexed.problems == []
    assert stored_hashes(settings) == {p.chunk_id: p.content_hash for p in passages}
    assert index_status(settings).state == "fresh"


def test_the_store_carries_what_filters_need(settings, indexed):
    stored = open_store(settings).load_all()
    meta = dict(zip(stored.ids, stored.metadatas))
    drift = meta["qa#q1::title"]
    assert drift["section"] == "Monitoring"
    assert drift["big_tech"] is True
    assert drift["question_number"] == 1
    assert meta["notes#shadow-deployment::title"]["question_number"] == -1  # Chroma has no null
    assert stored.vectors.shape == (len(stored.ids), 384)


def test_a_second_index_embeds_nothing_and_never_loads_the_model(settings, indexed):
    untouched = Embedder(settings.embedding_model)
    report = build_index(settings, untouched, progress=False)
    assert report.embedded == 0
    assert report.removed == 0
    assert report.chunks == indexed.chunks
    assert untouched.loaded is False
    assert report.to_json()["embedded"] == 0


def test_editing_one_entry_re_embeds_only_its_passages(settings, indexed, embedder):
    before = stored_hashes(settings)
    qa = settings.corpus_dir / "qa.md"
    qa.write_text(
        qa.read_text(encoding="utf-8").replace("Use thresholds on metrics.", "Page on-call when error rates double."),
        encoding="utf-8",
    )
    assert index_status(settings).state == "stale"

    report = build_index(settings, embedder, progress=False)

    after = stored_hashes(settings)
    assert set(after) == set(before)
    changed = {pid for pid in after if after[pid] != before[pid]}
    assert changed and all(pid.startswith("qa#q2::") for pid in changed)
    assert report.embedded == len(changed)
    assert report.removed == 0
    assert index_status(settings).state == "fresh"


def test_removing_a_file_removes_exactly_its_passages(settings, indexed):
    before = stored_hashes(settings)
    (settings.corpus_dir / "notes.md").unlink()

    report = build_index(settings, Embedder(settings.embedding_model), progress=False)

    after = stored_hashes(settings)
    gone = set(before) - set(after)
    assert gone == {pid for pid in before if pid.startswith("notes#")}
    assert gone and report.removed == len(gone)
    assert report.embedded == 0
    assert {pid: before[pid] for pid in after} == after
    assert report.entries == 2


def test_a_bad_file_is_reported_and_the_rest_is_still_indexed(settings, indexed, embedder):
    (settings.corpus_dir / "broken.md").write_bytes(b"# Notes\n\n\xff\xfe not text\n")
    report = build_index(settings, embedder, progress=False)
    assert [str(p).split(":")[0] for p in report.problems] == ["broken.md"]
    assert report.entries == indexed.entries
    assert report.embedded == 0
    assert report.to_json()["problems"] == [str(report.problems[0])]


def test_an_empty_data_dir_is_missing_until_indexed(settings):
    status = index_status(settings)
    assert status.state == "missing"
    assert status.to_embed == len(expected_passages(settings))
