"""Interviewer follow-ups: what to ask after an answer, and what a reply to it must contain.

The study bank gives each entry at least three follow-ups (depth, trade-off, failure mode),
each with the short statements (`checks`) a good reply contains. Coach mode and the mock
interview ask one the learner has not seen, never a rewording of the question just asked,
and grade the reply with the one grader against its checks, not against the whole entry.
A follow-up written by an LLM passes the same test: it must not reword the question just
asked, and it is graded against the entry's points it is about.
"""

from __future__ import annotations

import re

import numpy as np

from rag.entry import Entry
from rag.study.grading import Grade, cached_vectors, grade
from rag.study.rubric import Point, rubric_points

# Two questions this close (cosine of their embeddings) ask the same thing. Measured: the
# bank's 150 follow-ups against their own entry's question 0.07-0.75 (median 0.37);
# "In your own words, and without looking: <title>" against the title 0.93 or more.
PARAPHRASE_SIMILARITY = 0.85
POINT_SPREAD = 0.1  # a generated follow-up asks about its closest point and those this close to it ...
MAX_POINTS = 3  # ... at most this many
CHECK_LABEL_WORDS = 4


def check_points(follow_up) -> list[Point]:
    """The follow-up's checks as rubric points: what the grader compares a reply with.

    A point's label is a short handle (its first words): the grader does not count a
    label's own words as substance, so the whole check as its label would credit nothing.
    `check_text` turns a label back into its check for display.
    """
    return [Point(label=_handle(check), text=check, markdown=check) for check in follow_up.checks]


def check_text(follow_up, label: str) -> str:
    """The full check behind a label of `check_points` (the label itself when it is not one)."""
    return {p.label: p.text for p in check_points(follow_up)}.get(label, label)


def _handle(check: str) -> str:
    words = check.split()
    head = " ".join(words[:CHECK_LABEL_WORDS])
    return head if len(words) <= CHECK_LABEL_WORDS else f"{head}…"


def unseen_follow_ups(bank_entry, seen: set[str], just_asked: list[str], embedder) -> list:
    """The entry's bank follow-ups not yet asked, none a rewording of a question just asked."""
    fresh = [
        f for f in getattr(bank_entry, "follow_ups", None) or [] if _key(f.question) not in {_key(s) for s in seen}
    ]
    return [f for f in fresh if not rewords(embedder, f.question, just_asked)]


def rewords(embedder, question: str, others: list[str]) -> bool:
    """Whether `question` asks what one of `others` asks (the same words, or nearly the same meaning)."""
    others = [o for o in others if o and o.strip()]
    if not others:
        return False
    if _key(question) in {_key(o) for o in others} or any(_key(o) in _key(question) for o in others):
        return True
    vectors = cached_vectors(embedder, [question, *others])
    return float((vectors[1:] @ vectors[0]).max()) >= PARAPHRASE_SIMILARITY


def points_asked_about(embedder, entry: Entry, question: str) -> list[Point]:
    """The entry's points a (generated) follow-up is about: its closest point and the few nearly as close."""
    points = rubric_points(entry)
    if not points:
        return []
    vectors = cached_vectors(embedder, [question, *(p.text for p in points)])
    sims = vectors[1:] @ vectors[0]
    floor = float(sims.max()) - POINT_SPREAD
    order = [int(i) for i in np.argsort(-sims, kind="stable") if sims[i] >= floor][:MAX_POINTS]
    return [points[i] for i in order]


def grade_follow_up(kb, entry: Entry, follow_up, reply: str, llm=None) -> Grade:
    """A reply to a bank follow-up, graded by the one grader against the follow-up's checks."""
    bank = kb.study_bank.of(entry.source_id)
    return grade(
        entry, reply, kb.embedder, bank=bank, llm=llm, points=check_points(follow_up), question=follow_up.question
    )


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).split())
