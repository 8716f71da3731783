"""Readers never wait long for the index and never lose it to a failed write.

`search`/`ask` on a stale index used to wait up to 600 s while another process indexed,
fail on a read-only data folder (`index.lock`), and at a full disk declare a healthy index
unreadable, move it aside and fail the rebuild. Now a reader answers from the index as it
is and says why it could not be updated; only an index that cannot be read is set aside.
"""

import pytest
from conftest import make_settings
from filelock import FileLock
from hardening_support import assert_json_answer, run_cli

from rag.indexing import IndexNotUpdated, build_index
from rag.knowledge import KnowledgeBase
from rag.store import StoreError, VectorStore

pytestmark = pytest.mark.timeout(300)

NEW_NOTE = "# Extra\n\n## Serving\n\n### Blue-green deployment\n\nTwo identical environments; switch traffic at once.\n"


@pytest.fixture
def stale_index(tiny_corpus, tmp_path, embedder):
    """An index of the tiny corpus, then one more file in the corpus: every reader finds it stale."""
    data = tmp_path / "data"
    build_index(make_settings(data, tiny_corpus), embedder, progress=False)
    (tiny_corpus / "extra.md").write_text(NEW_NOTE, encoding="utf-8")
    return data, tiny_corpus


def test_search_while_another_process_indexes_answers_from_the_index_as_it_is(stale_index, tmp_path):
    data, corpus = stale_index
    with FileLock(str(data / "index.lock")).acquire(timeout=5):  # "another process" is indexing
        run = run_cli("search", "shadow deployment", "--json", data_dir=data, corpus_dir=corpus, cwd=tmp_path)
    hits = assert_json_answer(run)["hits"]
    assert hits and hits[0]["title"] == "Shadow deployment"
    assert "another process is indexing" in run.stderr


def test_a_data_folder_where_the_lock_cannot_be_made_still_serves_reads(stale_index, tmp_path):
    data, corpus = stale_index
    (data / "index.lock").unlink(missing_ok=True)
    (data / "index.lock").mkdir()  # like a read-only folder: the lock file cannot be created
    run = run_cli("search", "feature store", "--json", data_dir=data, corpus_dir=corpus, cwd=tmp_path)
    assert assert_json_answer(run)["hits"]
    assert "cannot be updated" in run.stderr


def disk_full(*args, **kwargs):
    raise StoreError("the vector store failed (OperationalError: database or disk is full)")


def test_a_full_disk_keeps_the_old_index_and_says_why(stale_index, embedder, monkeypatch):
    data, corpus = stale_index
    settings = make_settings(data, corpus)
    monkeypatch.setattr(VectorStore, "upsert", disk_full)
    with pytest.raises(IndexNotUpdated, match="disk is full"):
        build_index(settings, embedder, progress=False)
    kb = KnowledgeBase(settings, embedder)
    assert kb.ensure_index(progress=False) is None
    assert "disk is full" in kb.index_notice
    assert kb.retriever.search("shadow deployment", k=1)[0].entry.title == "Shadow deployment"
    assert [p.name for p in data.iterdir() if "corrupt" in p.name] == []  # never set aside


def test_a_full_disk_when_opening_never_sets_the_index_aside(stale_index, embedder, monkeypatch):
    data, corpus = stale_index
    monkeypatch.setattr(VectorStore, "hashes", disk_full)
    with pytest.raises(IndexNotUpdated):
        build_index(make_settings(data, corpus), embedder, progress=False)
    assert (data / "index" / "chroma.sqlite3").exists()
    assert [p.name for p in data.iterdir() if "corrupt" in p.name] == []


def test_rebuilding_in_a_process_after_a_cli_index_added_files(tiny_corpus, tmp_path, embedder):
    """The app's "Rebuild index" after a CLI `index` added files: no stale-client error, new entries found."""
    data = tmp_path / "data"
    settings = make_settings(data, tiny_corpus)
    kb = KnowledgeBase(settings, embedder)
    kb.index(progress=False)
    assert kb.retriever.search("shadow deployment", k=1)
    (tiny_corpus / "extra.md").write_text(NEW_NOTE, encoding="utf-8")
    assert run_cli("index", data_dir=data, corpus_dir=tiny_corpus, cwd=tmp_path).returncode == 0
    kb.index(progress=False)
    assert kb.retriever.search("blue-green deployment", k=1)[0].entry.title == "Blue-green deployment"
    assert kb.status().state == "fresh"
