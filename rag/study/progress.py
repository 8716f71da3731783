"""Study progress: every attempt, mastery per entry and per section, and a Leitner schedule.

SQLite under `RAG_DATA_DIR` (`progress.sqlite3`), in WAL mode, one transaction per
attempt (the attempt row and the entry's schedule together), so a crash loses at most the
attempt being written and never leaves the two disagreeing.

Leitner boxes, per entry (`rag.study.leitner`): a strong answer (the grader's `GOOD_SCORE`)
moves the entry up a box, a poor one (< 0.5) back to box 1, anything between keeps it
where it is; a box says how long until the entry is due again (box 1: now, then 1, 3, 7 and
21 days). Mastery of an entry is the mean
of its last three scores; of a section, the mean over its entries with unseen ones counting
0 (what you have not practised you have not mastered).

A progress file that is corrupt or held by another process is never replaced by a fresh
empty one: the store says what is wrong (`problem`) and keeps this session's attempts in
memory, so a quiz still works and the file is left for the user to inspect or restore.

A file that is only *busy* (another process holds its write lock) is not given up on: an
attempt or rating that could not be written waits in `pending`, and every later call tries
the file again (reopening it if it was busy from the start) and writes what waited, in
order, as soon as the lock clears. Nothing recorded is dropped while the process lives.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from rag.entry import Entry
from rag.study.leitner import BOX_INTERVAL_DAYS, MASTERED_AT, MASTERY_WINDOW, next_box
from rag.study.progress_file import (
    FEEDBACK_INSERT,
    FEEDBACK_SCHEMA,
    SCHEMA,
    SCHEMA_VERSION,
    copy_into,
    is_locked,
    reason,
)
from rag.study.progress_report import Attempt, EntryProgress, ProgressReport, SectionProgress

log = logging.getLogger(__name__)


class ProgressStore:
    """Attempts and schedule in SQLite; falls back to memory (with `problem` set) when the
    file cannot be used, without ever touching that file."""

    def __init__(self, path: Path | str, clock: Callable[[], float] = time.time, busy_timeout_s: float = 2.0):
        self.path = Path(path)
        self.clock = clock
        self.busy_timeout_s = busy_timeout_s
        self.problem: str | None = None
        self.pending: list[tuple[str, tuple]] = []  # ("attempt" | "feedback", row) not yet in the file
        self._waiting = False  # the file is busy: answers are kept in memory and in `pending`
        self._lock = threading.RLock()
        self._conn = self._open()

    @property
    def persistent(self) -> bool:
        return self.problem is None

    # ------------------------------------------------------------------ writing

    def record(self, item, grade, at: float | None = None) -> int:
        """Store one attempt and move the entry's Leitner box; returns the entry's new box.

        `item` needs `.id`, `.source_id`, `.section`, `.kind`; `grade` needs `.score`.
        """
        now = self.clock() if at is None else at
        score = min(1.0, max(0.0, float(grade.score)))
        row = (item.id, item.source_id, item.section or "", item.kind, score, now)
        with self._lock:
            self._save_pending()
            if self._waiting:  # this session's copy in memory; the file gets it when it is free
                self.pending.append(("attempt", row))
                return self._write(self._conn, row, now)
            try:
                return self._write(self._conn, row, now)
            except sqlite3.Error as exc:
                if is_locked(exc) and not self._memory:
                    self._wait_for_file(exc)
                    self.pending.append(("attempt", row))
                    return self._write(self._conn, row, now)
                if self._memory:
                    raise
                self._fall_back_to_memory(
                    f"progress could not be saved to {self.path} ({reason(exc)}); "
                    "this session's answers are kept in memory only"
                )
                return self._write(self._conn, row, now)

    def _write(self, conn: sqlite3.Connection, row: tuple, now: float) -> int:
        item_id, source_id, section, kind, score, _ = row
        with conn:  # one transaction: the attempt and the schedule move together
            conn.execute(
                "INSERT INTO attempts (item_id, source_id, section, kind, score, answered_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )
            current = conn.execute("SELECT box FROM schedule WHERE source_id = ?", (source_id,)).fetchone()
            box = next_box(current[0] if current else None, score)
            due_at = now + BOX_INTERVAL_DAYS[box] * 86400
            conn.execute(
                "INSERT INTO schedule (source_id, box, due_at, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(source_id) DO UPDATE SET "
                "box = excluded.box, due_at = excluded.due_at, updated_at = excluded.updated_at",
                (source_id, box, due_at, now),
            )
        return box

    def record_feedback(self, rating: int, question: str = "", source_id: str = "", kind: str = "chat") -> None:
        """Store a thumbs up (1) or down (0) on an answer; `kind` says where it was given (chat, interview)."""
        if rating not in (0, 1):
            raise ValueError(f"a rating is 0 (down) or 1 (up), not {rating!r}")
        row = (kind, (question or "")[:500], source_id or "", int(rating), self.clock())
        insert = FEEDBACK_INSERT
        with self._lock:
            self._save_pending()
            if self._waiting:
                self.pending.append(("feedback", row))
            try:
                with self._conn:
                    self._conn.execute(insert, row)
            except sqlite3.Error as exc:
                if is_locked(exc) and not self._memory:
                    self._wait_for_file(exc)
                    self.pending.append(("feedback", row))
                    with self._conn:
                        self._conn.execute(insert, row)
                    return
                if self._memory:
                    raise
                self._fall_back_to_memory(
                    f"feedback could not be saved to {self.path} ({reason(exc)}); kept in memory only"
                )
                with self._conn:
                    self._conn.execute(insert, row)

    def feedback_counts(self) -> dict[str, int]:
        """How many answers got a thumbs up and how many a thumbs down."""
        with self._lock:
            try:
                rows = self._conn.execute("SELECT rating, COUNT(*) FROM feedback GROUP BY rating").fetchall()
            except sqlite3.Error:
                rows = []
        counts = dict(rows)
        return {"up": int(counts.get(1, 0)), "down": int(counts.get(0, 0))}

    # ------------------------------------------------------------------ reading

    def entry_progress(self, entries: list[Entry]) -> list[EntryProgress]:
        with self._lock:
            scores: dict[str, list[tuple[float, float]]] = {}
            for source_id, score, at in self._conn.execute(
                "SELECT source_id, score, answered_at FROM attempts ORDER BY answered_at, id"
            ):
                scores.setdefault(source_id, []).append((score, at))
            schedule = {
                sid: (box, due) for sid, box, due in self._conn.execute("SELECT source_id, box, due_at FROM schedule")
            }
        out = []
        for entry in entries:
            history = scores.get(entry.source_id, [])
            recent = [s for s, _ in history[-MASTERY_WINDOW:]]
            box, due = schedule.get(entry.source_id, (None, None))
            out.append(
                EntryProgress(
                    entry=entry,
                    attempts=len(history),
                    mastery=sum(recent) / len(recent) if recent else 0.0,
                    box=box,
                    due_at=due,
                )
            )
        return out

    def due(self, entries: list[Entry], limit: int = 10) -> list[EntryProgress]:
        """Entries due for review now, weakest first (then the longest overdue)."""
        now = self.clock()
        due = [p for p in self.entry_progress(entries) if p.is_due(now)]
        due.sort(key=lambda p: (p.mastery, p.due_at))
        return due[:limit]

    def weak_spots(self, entries: list[Entry], limit: int = 10) -> list[EntryProgress]:
        """What to practise: due entries weakest first, then seen entries not yet mastered."""
        now = self.clock()
        progress = self.entry_progress(entries)
        due = sorted((p for p in progress if p.is_due(now)), key=lambda p: (p.mastery, p.due_at))
        shaky = sorted(
            (p for p in progress if p.seen and not p.is_due(now) and p.mastery < MASTERED_AT),
            key=lambda p: (p.mastery, p.due_at or 0.0),
        )
        return (due + shaky)[:limit]

    def unseen(self, entries: list[Entry]) -> list[Entry]:
        return [p.entry for p in self.entry_progress(entries) if not p.seen]

    def recent(self, limit: int = 20) -> list[Attempt]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT item_id, source_id, section, kind, score, answered_at FROM attempts "
                "ORDER BY answered_at DESC, id DESC LIMIT ?",
                (int(limit),),
            ).fetchall()
        return [Attempt(*row) for row in rows]

    def report(self, entries: list[Entry]) -> ProgressReport:
        now = self.clock()
        progress = self.entry_progress(entries)
        sections: list[SectionProgress] = []
        for name in dict.fromkeys(e.section for e in entries):
            members = [p for p in progress if p.entry.section == name]
            sections.append(
                SectionProgress(
                    section=name,
                    entries=len(members),
                    seen=sum(p.seen for p in members),
                    attempts=sum(p.attempts for p in members),
                    mastery=sum(p.mastery for p in members) / len(members),
                    due=sum(p.is_due(now) for p in members),
                )
            )
        due = sorted((p for p in progress if p.is_due(now)), key=lambda p: (p.mastery, p.due_at))
        return ProgressReport(
            sections=sections,
            due=due,
            attempts=sum(p.attempts for p in progress),
            mastery=sum(p.mastery for p in progress) / len(progress) if progress else 0.0,
            notice=self.problem,
            entries=progress,
            feedback=self.feedback_counts(),
        )

    # ------------------------------------------------------------------ a busy file

    def _wait_for_file(self, exc: BaseException) -> None:
        """The file is busy: keep the session in memory, and what it records waits for the file."""
        self._fall_back_to_memory(
            f"the progress file {self.path} is busy ({reason(exc)}); this session's answers are kept in memory "
            "until it is free, then saved"
        )
        self._waiting = True

    def _save_pending(self) -> None:
        """Write what waited, in order, if the file is free now; then use the file again."""
        if not self._waiting:
            return
        conn = self._reopen_file()
        if conn is None:
            return
        waiting_in_memory = self._conn
        self._conn = conn
        while self.pending:
            kind, row = self.pending[0]
            try:
                if kind == "attempt":
                    self._write(self._conn, row, row[5])
                else:
                    with self._conn:
                        self._conn.execute(FEEDBACK_INSERT, row)
            except sqlite3.Error as exc:
                if not is_locked(exc):
                    log.warning("a waiting answer could not be saved to %s (%s)", self.path, reason(exc))
                conn.close()
                self._conn = waiting_in_memory  # still busy: keep waiting, in memory
                return
            self.pending.pop(0)
        waiting_in_memory.close()
        self._memory, self._waiting, self.problem = False, False, None
        log.info("the progress file %s is free again; the answers that waited are saved", self.path)

    def _reopen_file(self) -> sqlite3.Connection | None:
        try:
            conn = sqlite3.connect(str(self.path), timeout=min(self.busy_timeout_s, 0.5), check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
                conn.executescript(f"BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
            conn.executescript(FEEDBACK_SCHEMA)
            return conn
        except sqlite3.Error:
            return None

    def close(self) -> None:
        with self._lock:
            self._save_pending()
            if self.pending:
                log.warning("%d answers could not be saved to %s: it stayed busy", len(self.pending), self.path)
            try:
                self._conn.close()
            except sqlite3.Error:
                pass

    # ------------------------------------------------------------------ opening

    def _open(self) -> sqlite3.Connection:
        self._memory = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=self.busy_timeout_s, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            self.problem = f"cannot open the progress file {self.path} ({reason(exc)}); answers are kept in memory only"
            return self._memory_connection()
        try:
            check = conn.execute("PRAGMA quick_check").fetchall()
            if check != [("ok",)]:
                raise sqlite3.DatabaseError("integrity check failed: " + "; ".join(str(r[0]) for r in check[:3]))
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"written by a newer version (schema {version})")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            if version == 0:
                conn.executescript(f"BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
            conn.executescript(FEEDBACK_SCHEMA)
        except sqlite3.Error as exc:
            kind = "busy (another program is using it)" if is_locked(exc) else "unreadable"
            self.problem = (
                f"the progress file {self.path} is {kind}: {reason(exc)}. It was left untouched; "
                "this session's answers are kept in memory only"
            )
            log.warning(self.problem)
            memory = self._memory_connection()
            if is_locked(exc):
                copy_into(conn, memory)
                self._waiting = True  # tried again on every write; what is recorded waits in `pending`
            conn.close()
            return memory
        return conn

    def _memory_connection(self) -> sqlite3.Connection:
        self._memory = True
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        conn.executescript(SCHEMA + FEEDBACK_SCHEMA)
        return conn

    def _fall_back_to_memory(self, problem: str) -> None:
        log.warning(problem)
        self.problem = problem
        memory = self._memory_connection()
        copy_into(self._conn, memory)
        try:
            self._conn.close()
        except sqlite3.Error:
            pass
        self._conn = memory


def open_progress(settings) -> ProgressStore:
    return ProgressStore(settings.progress_path)
