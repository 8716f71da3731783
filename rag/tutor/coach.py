"""Coach mode's check: which of the points the tutor asked about did the learner's reply cover?

It is the one grader (`rag.study.grading.grade`) run over the points the coach question
left open, so a coach reply and a quiz answer are judged by the same rules: coverage by
meaning, false claims (negated practices, swapped properties, the study bank's
misconceptions) named first and never credited, and with a model the same rubric prompt,
validated, with the offline check as its floor.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from rag.embeddings import Embedder
from rag.entry import Entry
from rag.llm import ChatLLM
from rag.study.assessment import Claim
from rag.study.grading import Grade, grade
from rag.study.rubric import Point
from rag.text import clip

log = logging.getLogger(__name__)

MAX_REPLY_CHARS = 4000
CLAIM_CHARS = 160


@dataclass
class Judgement:
    covered: list[Point]
    missed: list[Point]
    feedback: str
    mode: str  # "llm" or "offline"
    notice: str | None = None
    incorrect: list[Claim] = field(default_factory=list)
    score: float = 0.0
    grade: Grade | None = None


class ReplyJudge:
    def __init__(self, embedder: Embedder, llm: ChatLLM | None = None, bank=None):
        self.embedder = embedder
        self.llm = llm
        self.bank = bank  # the study bank (its `of(source_id)` gives paraphrases and misconceptions)

    def judge(self, entry: Entry, coach_question: str, points: list[Point], reply: str) -> Judgement:
        """Grade `reply` against `points` (what the coach question asked about) with the one grader."""
        reply = reply.strip()[:MAX_REPLY_CHARS]
        bank = self.bank.of(entry.source_id) if self.bank is not None else None
        result = grade(entry, reply, self.embedder, bank=bank, llm=self.llm, points=points, question=entry.title)
        if result.notice:
            log.warning("coach judge fell back to offline: %s", result.notice)
        by_label = {p.label: p for p in points}
        covered = [by_label[label] for label in result.covered if label in by_label]
        missed = [p for p in points if p not in covered]
        notice = f"Checked offline: {result.notice.removeprefix('graded offline: ')}." if result.notice else None
        return Judgement(
            covered,
            missed,
            coach_feedback(result, len(points)),
            result.mode,
            notice,
            list(result.incorrect),
            result.score,
            result,
        )

    def judge_offline(self, entry: Entry, points: list[Point], reply: str) -> Judgement:
        """The same check without a model."""
        return ReplyJudge(self.embedder, None, self.bank).judge(entry, "", points, reply)


def coach_feedback(result: Grade, n_points: int) -> str:
    """Wrong claims first, then what the reply covered, in plain sentences (the source is cited beside it)."""
    parts = [f'Not right: "{clip(c.claim, CLAIM_CHARS)}" {c.correction}' for c in result.incorrect[:3]]
    if result.mode == "llm" and result.feedback:
        return " ".join(parts) if parts else _model_part(result.feedback)
    covered = len(result.covered)
    if n_points == 0:
        parts.append("There was nothing to check this time.")
    elif covered == 0:
        parts.append(
            "None of the source's points came through yet; read them below and try saying them in your own words."
        )
    elif covered == n_points:
        parts.append("You covered every point the source makes." + ("" if result.incorrect else " Well done."))
    else:
        parts.append(f"You covered {covered} of {n_points} points. Add the ones below to make the answer complete.")
    return " ".join(parts)


def _model_part(feedback: str) -> str:
    """The grader's feedback without its trailing "Source: ..." (coach mode cites the source as [1])."""
    return feedback.rsplit(" Source: ", 1)[0]
