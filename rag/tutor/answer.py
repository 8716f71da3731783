"""What the tutor hands back: an answer, its citations, the coach check it leaves pending, and its stream.

One home for the result types, so the UI, the CLI and the evaluation read an answer
without importing the machinery that writes it (`rag.tutor.tutor`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rag.entry import Entry
from rag.study.rubric import Point


@dataclass(frozen=True)
class Citation:
    marker: int
    source_id: str
    question_number: int | None
    title: str
    entry: Entry = field(repr=False, compare=False)

    @classmethod
    def of(cls, marker: int, entry: Entry) -> Citation:
        return cls(marker, entry.source_id, entry.question_number, entry.title, entry)

    def to_json(self) -> dict:
        return {
            "marker": self.marker,
            "source_id": self.source_id,
            "question_number": self.question_number,
            "title": self.title,
        }


@dataclass
class PendingCheck:
    """A coach question waiting for the learner's reply, and what to judge it against."""

    question: str
    entry: Entry
    points: list[Point]


@dataclass
class Answer:
    answer: str
    mode: str  # "llm" when a model wrote the text, "offline" otherwise (extract, refusal, fallback)
    grounded: bool
    citations: list[Citation] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)
    notice: str | None = None
    style: str = "explain"
    coach_question: str | None = None
    question: str = ""  # the (standalone) question that was answered
    check: PendingCheck | None = field(default=None, repr=False)

    def to_json(self) -> dict:
        doc = {
            "answer": self.answer,
            "mode": self.mode,
            "grounded": self.grounded,
            "citations": [c.to_json() for c in self.citations],
            "follow_ups": list(self.follow_ups),
        }
        if self.coach_question:
            doc["coach_question"] = self.coach_question
        if self.notice:
            doc["notice"] = self.notice
        return doc

    def to_text(self) -> str:
        parts = [self.answer]
        if self.citations:
            parts.append(
                "Sources:\n" + "\n".join(f"[{c.marker}] {c.entry.label} ({c.entry.section})" for c in self.citations)
            )
        if self.follow_ups:
            lead = "You could ask next:" if self.grounded else "Closest topics I can explain:"
            parts.append(lead + "\n" + "\n".join(f"- {q}" for q in self.follow_ups))
        if self.notice:
            parts.append(f"Note: {self.notice}")
        return "\n\n".join(parts)


class AnswerStream:
    """Iterate for text deltas (once); `.answer` is the final Answer (it finishes the stream if needed)."""

    def __init__(
        self, pieces: Callable[[AnswerStream], Iterator[str]], on_done: Callable[[Answer], None] | None = None
    ):
        self._pieces = pieces(self)
        self._on_done = on_done
        self._answer: Answer | None = None
        self._done = False
        self.superseded = False  # True when the streamed text was cut short and `.answer.answer` replaces it

    def __iter__(self) -> AnswerStream:
        return self

    def __next__(self) -> str:
        if self._done:
            raise StopIteration
        try:
            return next(self._pieces)
        except StopIteration:
            self._finish()
            raise

    @property
    def answer(self) -> Answer:
        for _ in self:
            pass
        return self._answer

    def _finish(self) -> None:
        self._done = True
        if self._on_done is not None and self._answer is not None:
            self._on_done(self._answer)
