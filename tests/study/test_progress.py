"""Progress: attempts persist, Leitner scheduling, mastery per section, and a progress file that
is corrupt or busy is reported and left untouched while the session goes on in memory."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import run_rag

from rag.entry import Entry
from rag.study.grading import Grade
from rag.study.leitner import BOX_INTERVAL_DAYS
from rag.study.progress import ProgressStore

DAY = 86400.0
REPO = Path(__file__).resolve().parents[2]


def entry(n: int, section: str) -> Entry:
    return Entry(
        source_id=f"notes#q{n}",
        question_number=n,
        title=f"Question {n}?",
        section=section,
        big_tech=False,
        answer="An answer.",
    )


ENTRIES = [entry(1, "Serving"), entry(2, "Serving"), entry(3, "Monitoring"), entry(4, "Monitoring")]


def item_for(e: Entry, kind: str = "open", variant: str = "question") -> SimpleNamespace:
    return SimpleNamespace(id=f"{e.source_id}/{variant}", source_id=e.source_id, section=e.section, kind=kind)


def graded(score: float, e: Entry) -> Grade:
    return Grade(score=score, covered=[], missed=[], feedback="", source_id=e.source_id)


class Clock:
    def __init__(self, start: float = 1_700_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, days: float) -> None:
        self.now += days * DAY


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    return ProgressStore(tmp_path / "data" / "progress.sqlite3", clock=clock)


def answer(store, e, score, kind="open", variant="question"):
    return store.record(item_for(e, kind, variant), graded(score, e))


# ------------------------------------------------------------------ persistence


def test_attempts_survive_reopening_the_file(tmp_path, clock):
    path = tmp_path / "progress.sqlite3"
    first = ProgressStore(path, clock=clock)
    answer(first, ENTRIES[0], 0.9)
    clock.advance(0.01)
    answer(first, ENTRIES[2], 0.3, kind="mcq", variant="keypoint/x")
    first.close()

    again = ProgressStore(path, clock=clock)
    assert again.persistent and again.problem is None
    recent = again.recent(10)
    assert [(a.source_id, a.kind, a.score) for a in recent] == [("notes#q3", "mcq", 0.3), ("notes#q1", "open", 0.9)]
    assert recent[0].section == "Monitoring" and recent[0].item_id == "notes#q3/keypoint/x"
    assert json.loads(json.dumps(recent[0].to_json()))["answered_at"].endswith("+00:00")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_data_directory_is_created_when_missing(tmp_path, clock):
    store = ProgressStore(tmp_path / "a" / "b" / "progress.sqlite3", clock=clock)
    answer(store, ENTRIES[0], 1.0)
    assert (tmp_path / "a" / "b" / "progress.sqlite3").is_file() and store.persistent


# ------------------------------------------------------------------ scheduling


def test_leitner_boxes_move_up_on_good_scores_and_back_on_poor_ones(store, clock):
    e = ENTRIES[0]
    assert answer(store, e, 1.0) == 2
    assert store.due(ENTRIES) == []  # box 2: due in a day
    clock.advance(BOX_INTERVAL_DAYS[2] + 0.01)
    assert [p.entry for p in store.due(ENTRIES)] == [e]
    assert answer(store, e, 0.9) == 3
    assert answer(store, e, 0.6) == 3  # between: stays
    assert answer(store, e, 0.2) == 1  # poor: back to the start, due at once
    assert [p.entry for p in store.due(ENTRIES)] == [e]


def test_mastery_is_the_mean_of_the_last_three_scores(store, clock):
    for score in (0.0, 0.0, 0.6, 0.9, 0.9):
        answer(store, ENTRIES[0], score)
        clock.advance(0.001)
    progress = {p.entry.source_id: p for p in store.entry_progress(ENTRIES)}
    assert progress["notes#q1"].mastery == pytest.approx(0.8)
    assert progress["notes#q1"].attempts == 5
    assert progress["notes#q2"].attempts == 0 and progress["notes#q2"].box is None


def test_weak_spots_are_due_ones_weakest_first_then_unmastered_ones(store, clock):
    answer(store, ENTRIES[0], 0.45)  # box 1, due now, mastery 0.45
    answer(store, ENTRIES[1], 0.1)  # box 1, due now, mastery 0.1
    answer(store, ENTRIES[2], 1.0)  # box 2, not due, mastered
    answer(store, ENTRIES[3], 1.0)
    answer(store, ENTRIES[3], 0.6)  # box 2, not due, mastery 0.8
    answer(store, ENTRIES[3], 0.2)  # box 1, due now, mastery 0.6
    weak = [p.entry.source_id for p in store.weak_spots(ENTRIES)]
    assert weak == ["notes#q2", "notes#q1", "notes#q4"]
    assert store.unseen(ENTRIES + [entry(5, "Serving")]) == [entry(5, "Serving")]


def test_report_gives_mastery_per_section_with_unseen_entries_counting_zero(store, clock):
    answer(store, ENTRIES[0], 1.0)
    answer(store, ENTRIES[2], 0.5)
    answer(store, ENTRIES[3], 0.7)
    report = store.report(ENTRIES)
    doc = json.loads(json.dumps(report.to_json()))
    sections = {s["section"]: s for s in doc["sections"]}
    assert sections["Serving"] == {
        "section": "Serving",
        "entries": 2,
        "seen": 1,
        "attempts": 1,
        "mastery": 0.5,
        "due": 0,
    }
    assert sections["Monitoring"]["mastery"] == pytest.approx(0.6)
    assert sections["Monitoring"]["due"] == 2
    assert doc["attempts"] == 3
    assert [d["source_id"] for d in doc["due"]] == ["notes#q3", "notes#q4"]
    text = report.to_text()
    assert "Serving" in text and "Monitoring" in text and "due for review" in text


# ------------------------------------------------------------------ a file that cannot be used


def test_a_corrupt_progress_file_is_reported_and_never_overwritten(tmp_path, clock):
    path = tmp_path / "progress.sqlite3"
    garbage = b"this is not a database, but it may be someone's only copy\x00\xff" * 50
    path.write_bytes(garbage)
    store = ProgressStore(path, clock=clock)
    assert not store.persistent
    assert "left untouched" in store.problem and str(path) in store.problem
    answer(store, ENTRIES[0], 0.9)  # the quiz goes on, in memory
    assert [a.source_id for a in store.recent(5)] == ["notes#q1"]
    assert store.report(ENTRIES).to_json()["notice"] == store.problem
    assert path.read_bytes() == garbage
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.sqlite3"]


def test_a_file_from_a_newer_version_is_left_alone(tmp_path, clock):
    path = tmp_path / "progress.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    before = path.read_bytes()
    store = ProgressStore(path, clock=clock)
    assert "newer version" in store.problem
    answer(store, ENTRIES[0], 1.0)
    assert path.read_bytes() == before


def test_a_busy_progress_file_keeps_the_session_in_memory_and_the_file_intact(tmp_path, clock):
    path = tmp_path / "progress.sqlite3"
    first = ProgressStore(path, clock=clock)
    answer(first, ENTRIES[0], 0.9)
    first.close()
    store = ProgressStore(path, clock=clock, busy_timeout_s=0.05)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program is writing
    try:
        answer(store, ENTRIES[1], 0.4)
        assert not store.persistent and "kept in memory" in store.problem
        assert [a.source_id for a in store.recent(5)] == ["notes#q2", "notes#q1"]  # history still visible
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT source_id FROM attempts").fetchall() == [("notes#q1",)]


def test_each_attempt_is_one_transaction_with_its_schedule(store, clock):
    """A write that fails halfway (here: the schedule table is gone) leaves no stray attempt
    in the file; the attempt is kept in memory instead."""
    answer(store, ENTRIES[0], 1.0)
    with sqlite3.connect(store.path) as conn:
        conn.execute("ALTER TABLE schedule RENAME TO schedule_away")
    answer(store, ENTRIES[1], 0.5)
    assert not store.persistent
    assert [a.source_id for a in store.recent(5)] == ["notes#q2", "notes#q1"]
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT source_id FROM attempts").fetchall() == [("notes#q1",)]


# ------------------------------------------------------------------ the CLI


def test_cli_progress_prints_mastery_per_section(fresh_data_dir):
    from rag.corpus import load_corpus

    entries = load_corpus(REPO / "corpus").entries
    q8 = next(e for e in entries if e.source_id.endswith("#q8"))
    store = ProgressStore(fresh_data_dir / "progress.sqlite3")
    store.record(item_for(q8), graded(1.0, q8))
    store.close()
    result = run_rag(fresh_data_dir, "progress", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    sections = {s["section"]: s for s in doc["sections"]}
    assert set(sections) == {e.section for e in entries}
    members = sum(e.section == q8.section for e in entries)
    assert sections[q8.section]["seen"] == 1 and sections[q8.section]["attempts"] == 1
    assert sections[q8.section]["mastery"] == pytest.approx(1.0 / members, abs=1e-3)
    assert doc["attempts"] == 1 and doc["due"] == []
