"""What the progress store reports: attempts, per-entry and per-section mastery, due entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from rag.entry import Entry


@dataclass(frozen=True)
class Attempt:
    item_id: str
    source_id: str
    section: str
    kind: str
    score: float
    answered_at: float

    def to_json(self) -> dict:
        return {
            "item_id": self.item_id,
            "source_id": self.source_id,
            "section": self.section,
            "kind": self.kind,
            "score": round(self.score, 3),
            "answered_at": iso_utc(self.answered_at),
        }


@dataclass
class EntryProgress:
    entry: Entry
    attempts: int = 0
    mastery: float = 0.0
    box: int | None = None  # None: never attempted
    due_at: float | None = None

    @property
    def seen(self) -> bool:
        return self.attempts > 0

    def is_due(self, now: float) -> bool:
        return self.due_at is not None and self.due_at <= now

    def to_json(self) -> dict:
        return {
            "source_id": self.entry.source_id,
            "question_number": self.entry.question_number,
            "title": self.entry.title,
            "section": self.entry.section,
            "attempts": self.attempts,
            "mastery": round(self.mastery, 3),
            "box": self.box,
            "due_at": iso_utc(self.due_at) if self.due_at is not None else None,
        }


@dataclass
class SectionProgress:
    section: str
    entries: int
    seen: int
    attempts: int
    mastery: float
    due: int

    def to_json(self) -> dict:
        return {
            "section": self.section,
            "entries": self.entries,
            "seen": self.seen,
            "attempts": self.attempts,
            "mastery": round(self.mastery, 3),
            "due": self.due,
        }


@dataclass
class ProgressReport:
    sections: list[SectionProgress]
    due: list[EntryProgress]
    attempts: int
    mastery: float
    notice: str | None = None
    entries: list[EntryProgress] = field(default_factory=list)
    feedback: dict[str, int] = field(default_factory=lambda: {"up": 0, "down": 0})

    def to_json(self) -> dict:
        doc = {
            "sections": [s.to_json() for s in self.sections],
            "attempts": self.attempts,
            "mastery": round(self.mastery, 3),
            "due": [p.to_json() for p in self.due],
            "feedback": dict(self.feedback),
        }
        if self.notice:
            doc["notice"] = self.notice
        return doc

    def to_text(self) -> str:
        width = max((len(s.section) for s in self.sections), default=10)
        lines = [f"{'section':<{width}}  mastery  seen  attempts  due"]
        for s in self.sections:
            lines.append(
                f"{s.section:<{width}}  {s.mastery:7.0%}  {s.seen:>2}/{s.entries:<2} {s.attempts:>8}  {s.due:>3}"
            )
        lines.append(f"overall mastery {self.mastery:.0%} over {self.attempts} attempts")
        if self.due:
            lines.append("due for review: " + "; ".join(p.entry.label for p in self.due[:10]))
        if self.feedback.get("up") or self.feedback.get("down"):
            lines.append(f"answer feedback: {self.feedback['up']} thumbs up, {self.feedback['down']} thumbs down")
        if self.notice:
            lines.append(f"note: {self.notice}")
        return "\n".join(lines)


def iso_utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds")
