"""Coach mode's check: which key points of the source did the learner's reply cover?

With a model, it judges (JSON, validated: only the labels it was given count); without one,
or when it fails, each sentence of the reply is compared with each point by embedding
similarity: a point is covered by a sentence that is very close to it, or that is closer
to it than to any other point and still clearly related. Thresholds were read off replies
written for Q8 (drift): a paraphrase of a point scores 0.55-0.9 against it, an unrelated
or empty reply below 0.2.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from rag.corpus import Entry
from rag.embeddings import Embedder
from rag.llm import ChatLLM, LLMError
from rag.prompts import judge_messages
from rag.study.rubric import Point

log = logging.getLogger(__name__)

CLEAR_MATCH = 0.6
BEST_MATCH = 0.45
MAX_REPLY_CHARS = 4000

_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")


class CoachVerdict(BaseModel):
    covered: list[str] = Field(default_factory=list)
    missed: list[str] = Field(default_factory=list)
    feedback: str = ""


@dataclass
class Judgement:
    covered: list[Point]
    missed: list[Point]
    feedback: str
    mode: str  # "llm" or "offline"
    notice: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def score(self) -> float:
        total = len(self.covered) + len(self.missed)
        return len(self.covered) / total if total else 0.0


class ReplyJudge:
    def __init__(self, embedder: Embedder, llm: ChatLLM | None = None):
        self.embedder = embedder
        self.llm = llm

    def judge(self, entry: Entry, coach_question: str, points: list[Point], reply: str) -> Judgement:
        reply = reply.strip()[:MAX_REPLY_CHARS]
        if self.llm is not None and points:
            try:
                return self._judge_with_llm(entry, coach_question, points, reply)
            except LLMError as exc:
                log.warning("coach judge fell back to offline: %s", exc)
                judgement = self.judge_offline(points, reply)
                judgement.notice = f"Checked offline: {exc}."
                return judgement
        return self.judge_offline(points, reply)

    def judge_offline(self, points: list[Point], reply: str) -> Judgement:
        sentences = [s.strip() for s in _SENTENCES.split(reply) if len(s.strip()) > 2]
        covered_ids: set[int] = set()
        if sentences and points:
            point_vectors = self.embedder.embed([p.text for p in points])
            sentence_vectors = self.embedder.embed(sentences)
            sims = sentence_vectors @ point_vectors.T
            for row in sims:
                best = int(row.argmax())
                for i, sim in enumerate(row):
                    if sim >= CLEAR_MATCH or (i == best and sim >= BEST_MATCH):
                        covered_ids.add(i)
        covered = [p for i, p in enumerate(points) if i in covered_ids]
        missed = [p for i, p in enumerate(points) if i not in covered_ids]
        return Judgement(covered, missed, _offline_feedback(covered, missed), "offline")

    def _judge_with_llm(self, entry: Entry, coach_question: str, points: list[Point], reply: str) -> Judgement:
        verdict = self.llm.complete_json(
            judge_messages(coach_question, reply, entry, [(p.label, p.text) for p in points]), CoachVerdict
        )
        by_label = {p.label.lower(): p for p in points}
        covered = [by_label[name.strip().lower()] for name in verdict.covered if name.strip().lower() in by_label]
        covered = list(dict.fromkeys(covered))
        missed = [p for p in points if p not in covered]
        feedback = " ".join(verdict.feedback.split())[:800] or _offline_feedback(covered, missed)
        return Judgement(covered, missed, feedback, "llm")


def _offline_feedback(covered: list[Point], missed: list[Point]) -> str:
    if not covered and not missed:
        return "There was nothing to check this time."
    if not covered:
        return "None of the source's points came through yet; read them below and try saying them in your own words."
    if not missed:
        return "You covered every point the source makes. Well done."
    return (
        f"Good: you covered {len(covered)} of {len(covered) + len(missed)} points. "
        "Add the ones below to make the answer complete."
    )
