"""An unchanged corpus file is not read or parsed again by the next command.

A 1.9 MB corpus file cost every later command 3.8 s of parsing for the freshness check.
Each file's size, mtime and content hash are kept with what it parsed to, in the data dir.
"""

import os
import time

import pytest

import rag.corpus as corpus_module
from rag.corpus import load_corpus

pytestmark = pytest.mark.timeout(300)


def big_notes(n: int = 4000) -> str:
    return "".join(f"## Topic {i}\n\n- **Point {i}:** detail about drift {i}\n\n" for i in range(n))


@pytest.fixture
def corpus_and_cache(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    notes = corpus / "big-notes.md"
    notes.write_text(big_notes(), encoding="utf-8")
    past = time.time() - 60
    os.utime(notes, (past, past))  # written a minute ago: no same-tick write can hide
    return corpus, tmp_path / "data", notes


def refuse(*args, **kwargs):
    raise AssertionError("an unchanged file was read or parsed again")


def test_an_unchanged_file_is_neither_read_nor_parsed_again(corpus_and_cache, monkeypatch):
    corpus, cache, _ = corpus_and_cache
    first = load_corpus(corpus, cache_dir=cache)
    monkeypatch.setattr(corpus_module, "read_markdown", refuse)
    monkeypatch.setattr(corpus_module, "parse_markdown", refuse)
    second = load_corpus(corpus, cache_dir=cache)
    assert second.entries == first.entries and len(second.entries) == 4000


def test_an_edited_file_is_parsed_again(corpus_and_cache):
    corpus, cache, notes = corpus_and_cache
    load_corpus(corpus, cache_dir=cache)
    notes.write_text(big_notes(10) + "## Canary\n\n- **Traffic:** send 5% first\n", encoding="utf-8")
    entries = load_corpus(corpus, cache_dir=cache).entries
    assert [e.title for e in entries][-1] == "Canary" and len(entries) == 11


def test_a_same_size_edit_within_the_same_tick_is_still_seen(corpus_and_cache):
    corpus, cache, notes = corpus_and_cache
    notes.write_text("## Alpha\n\nfirst text\n", encoding="utf-8")
    load_corpus(corpus, cache_dir=cache)
    stat = os.stat(notes)
    notes.write_text("## Omega\n\nfirst text\n", encoding="utf-8")  # same size
    os.utime(notes, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same mtime
    assert [e.title for e in load_corpus(corpus, cache_dir=cache).entries] == ["Omega"]
