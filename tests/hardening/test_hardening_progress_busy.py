"""A progress file that is busy for a moment loses nothing: what was recorded is saved when it is free.

One "database is locked" used to switch the store to memory for the rest of the process,
so later attempts were never saved, for every user of the app server.
"""

import sqlite3
from dataclasses import dataclass

import pytest

from rag.study.progress import ProgressStore

pytestmark = pytest.mark.timeout(120)


@dataclass
class Item:
    id: str
    source_id: str
    section: str = "Monitoring"
    kind: str = "open"


@dataclass
class Grade:
    score: float


def saved(path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT source_id FROM attempts ORDER BY id")]


def hold(path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program is writing
    return holder


def test_attempts_recorded_while_the_file_is_busy_are_saved_when_it_is_free(tmp_path):
    path = tmp_path / "progress.sqlite3"
    store = ProgressStore(path, busy_timeout_s=0.05)
    store.record(Item("a", "notes#q1"), Grade(1.0))
    holder = hold(path)
    try:
        for i in range(2, 6):
            store.record(Item(f"i{i}", f"notes#q{i}"), Grade(0.5))
        assert "busy" in store.problem
        assert [a.source_id for a in store.recent(10)][:4] == ["notes#q5", "notes#q4", "notes#q3", "notes#q2"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.record(Item("i6", "notes#q6"), Grade(0.9))
    store.record_feedback(1, "what is drift?")
    assert store.problem is None and store.persistent
    assert saved(path) == [f"notes#q{i}" for i in range(1, 7)]
    store.close()


def test_a_file_busy_when_opened_gets_the_session_s_answers_later(tmp_path):
    path = tmp_path / "progress.sqlite3"
    ProgressStore(path).close()
    holder = hold(path)
    try:
        store = ProgressStore(path, busy_timeout_s=0.05)
        store.record(Item("a", "notes#q1"), Grade(0.7))
        store.record_feedback(0, "what is drift?")
        assert not store.persistent
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.close()  # closing tries once more: the file is free now
    assert saved(path) == ["notes#q1"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 1
