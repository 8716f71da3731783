"""A damaged or missing index is rebuilt from the corpus (the damaged one kept aside), and two
processes indexing at once take turns.

Chroma caches one client per index path for the life of a process, so the in-process
cases check that a rebuild really lands on disk (a later process finds it fresh), not in
the handles of a directory that no longer exists.
"""

import shutil

import pytest
from conftest import make_settings
from hardening_support import assert_json_answer, fill_with_garbage, finish, run_cli, start_cli

from rag.indexing import build_index, open_store
from rag.knowledge import KnowledgeBase

pytestmark = pytest.mark.timeout(400)


@pytest.fixture
def built(tiny_corpus, tmp_path, embedder):
    """Settings of a tiny corpus whose index is already built, and the passage count."""
    settings = make_settings(tmp_path / "data", tiny_corpus)
    report = build_index(settings, embedder, progress=False)
    assert report.chunks > 0
    return settings, report.chunks


def damage(settings, how: str) -> bytes:
    """Break the store the way disks and people do; return the broken database's bytes."""
    database = settings.index_dir / "chroma.sqlite3"
    if how == "garbage":
        fill_with_garbage(settings.index_dir)
    elif how == "truncated":
        with open(database, "r+b") as f:
            f.truncate(database.stat().st_size // 3)
    else:
        raise ValueError(how)
    return database.read_bytes()


def set_aside_copies(settings):
    return sorted(settings.data_dir.glob(f"{settings.index_dir.name}.corrupt-*"))


def on_disk_is_fresh(settings, cwd) -> bool:
    """Ask a new process: does the store on disk match the corpus? (It embeds nothing if so.)"""
    run = run_cli("index", "--json", data_dir=settings.data_dir, corpus_dir=settings.corpus_dir, cwd=cwd)
    return assert_json_answer(run)["embedded"] == 0


@pytest.mark.parametrize("how", ["garbage", "truncated"])
def test_a_damaged_store_is_set_aside_and_rebuilt(built, how, embedder, tmp_path):
    settings, chunks = built
    broken = damage(settings, how)
    kb = KnowledgeBase(settings, embedder)

    report = kb.ensure_index(progress=False)

    assert report is not None and report.rebuilt_from_corrupt
    assert report.embedded == chunks
    assert (
        kb.retriever.search("compare a new model with the old one without serving it", k=1)[0].entry.title
        == "Shadow deployment"
    )
    (kept,) = set_aside_copies(settings)
    assert (kept / "chroma.sqlite3").read_bytes() == broken  # kept for inspection, never deleted
    assert on_disk_is_fresh(settings, tmp_path)


def test_a_damaged_store_says_so_in_the_index_report_json(built, embedder):
    settings, _ = built
    damage(settings, "garbage")
    doc = KnowledgeBase(settings, embedder).index(progress=False).to_json()
    assert doc["rebuilt_from_corrupt"] is True and doc["embedded"] == doc["chunks"]


def test_a_store_deleted_under_a_live_knowledge_base_is_rebuilt_on_disk(built, embedder, tmp_path):
    settings, chunks = built
    kb = KnowledgeBase(settings, embedder)
    assert kb.retriever.search("feature store", k=1)  # the process now holds a client on the store
    shutil.rmtree(settings.index_dir)

    report = kb.ensure_index(progress=False)

    assert report is not None and report.embedded == chunks
    assert kb.retriever.search("feature store", k=1)[0].entry.title == "Feature stores"
    assert on_disk_is_fresh(settings, tmp_path)


def test_a_fresh_store_is_left_alone(built, embedder):
    settings, _ = built
    before = (settings.index_dir / "chroma.sqlite3").read_bytes()
    assert KnowledgeBase(settings, embedder).ensure_index(progress=False) is None
    assert set_aside_copies(settings) == []
    assert open_store(settings).count() > 0 and (settings.index_dir / "chroma.sqlite3").read_bytes() == before


@pytest.mark.parametrize(
    "how, command", [("garbage", ["search", "feature store", "-k", "1", "--json"]), ("truncated", ["index", "--json"])]
)
def test_cli_rebuilds_a_damaged_store_with_a_message(built, how, command, tmp_path):
    settings, chunks = built
    damage(settings, how)

    run = run_cli(*command, data_dir=settings.data_dir, corpus_dir=settings.corpus_dir, cwd=tmp_path)

    doc = assert_json_answer(run)
    assert "unreadable" in run.stderr and "rebuilt" in run.stderr
    if command[0] == "search":
        assert doc["hits"][0]["title"] == "Feature stores"
    else:
        assert doc["rebuilt_from_corrupt"] is True and doc["embedded"] == chunks
    assert len(set_aside_copies(settings)) == 1


def test_two_processes_indexing_at_once_both_succeed(tiny_corpus, tmp_path):
    data_dir = tmp_path / "data"
    first = start_cli("index", "--json", data_dir=data_dir, corpus_dir=tiny_corpus, cwd=tmp_path)
    second = start_cli("index", "--json", data_dir=data_dir, corpus_dir=tiny_corpus, cwd=tmp_path)

    docs = [assert_json_answer(finish(p)) for p in (first, second)]

    chunks = docs[0]["chunks"]
    assert docs[1]["chunks"] == chunks and all(d["entries"] == docs[0]["entries"] for d in docs)
    # Whoever got the lock first embedded everything; the other found nothing left to do.
    assert sorted(d["embedded"] for d in docs) == [0, chunks]
    settings = make_settings(data_dir, tiny_corpus)
    assert open_store(settings).count() == chunks
    assert on_disk_is_fresh(settings, tmp_path)


def test_a_store_replaced_by_a_garbage_file_is_set_aside_and_rebuilt(built, embedder):
    settings, chunks = built
    shutil.rmtree(settings.index_dir)
    settings.index_dir.write_bytes(b"\x00\xffnot a directory" * 100)

    report = KnowledgeBase(settings, embedder).ensure_index(progress=False)

    assert report.rebuilt_from_corrupt and report.embedded == chunks
    (kept,) = set_aside_copies(settings)
    assert kept.read_bytes().startswith(b"\x00\xffnot a directory")


def test_cli_says_how_to_fix_a_data_dir_that_is_a_file(tiny_corpus, tmp_path):
    from hardening_support import assert_clean_error

    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("oops", encoding="utf-8")
    run = run_cli("search", "feature store", "--json", data_dir=not_a_dir, corpus_dir=tiny_corpus, cwd=tmp_path)
    assert_clean_error(run, "RAG_DATA_DIR")
    assert not_a_dir.read_text(encoding="utf-8") == "oops"
