"""The progress file's SQLite schema, and reading a file that may be busy or damaged."""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    item_id TEXT NOT NULL,
    source_id TEXT NOT NULL,
    section TEXT NOT NULL,
    kind TEXT NOT NULL,
    score REAL NOT NULL CHECK (score >= 0 AND score <= 1),
    answered_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_source ON attempts (source_id, answered_at);
CREATE TABLE IF NOT EXISTS schedule (
    source_id TEXT PRIMARY KEY,
    box INTEGER NOT NULL,
    due_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
"""
# Thumbs up/down on an answer (chat or interview). Added after schema 1 shipped, so an
# existing file gets it on open (IF NOT EXISTS) without a version bump.
FEEDBACK_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    question TEXT NOT NULL,
    source_id TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (0, 1)),
    given_at REAL NOT NULL
);
"""

FEEDBACK_INSERT = "INSERT INTO feedback (kind, question, source_id, rating, given_at) VALUES (?, ?, ?, ?, ?)"


def copy_into(source: sqlite3.Connection, memory: sqlite3.Connection) -> None:
    """Keep what the file already holds visible for this session, as far as it can be read."""
    copies = (
        (
            "SELECT item_id, source_id, section, kind, score, answered_at FROM attempts",
            "INSERT INTO attempts (item_id, source_id, section, kind, score, answered_at) VALUES (?, ?, ?, ?, ?, ?)",
        ),
        (
            "SELECT source_id, box, due_at, updated_at FROM schedule",
            "INSERT OR REPLACE INTO schedule (source_id, box, due_at, updated_at) VALUES (?, ?, ?, ?)",
        ),
        (
            "SELECT kind, question, source_id, rating, given_at FROM feedback",
            "INSERT INTO feedback (kind, question, source_id, rating, given_at) VALUES (?, ?, ?, ?, ?)",
        ),
    )
    for select, insert in copies:
        try:
            rows = source.execute(select).fetchall()
        except sqlite3.Error:
            continue
        with memory:
            memory.executemany(insert, rows)


def is_locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
