"""The Leitner schedule: which box an entry moves to after a score, and when it is due again.

A strong answer (the grader's `GOOD_SCORE`, 0.8) moves the entry up a box, a poor one
(< 0.5) back to box 1, anything between keeps it where it is; a box says how long until the
entry is due again (box 1: now, then 1, 3, 7 and 21 days). Mastery of an entry is the mean
of its last three scores; an entry is mastered when that mean is a strong answer's.
"""

from __future__ import annotations

from rag.study.grading import GOOD_SCORE

BOX_INTERVAL_DAYS = {1: 0, 2: 1, 3: 3, 4: 7, 5: 21}
PROMOTE_AT = GOOD_SCORE  # the score bands live beside the grader's score, not here
DEMOTE_BELOW = 0.5
MASTERY_WINDOW = 3
MASTERED_AT = GOOD_SCORE


def next_box(box: int | None, score: float) -> int:
    box = box or 1
    if score >= PROMOTE_AT:
        return min(box + 1, max(BOX_INTERVAL_DAYS))
    if score < DEMOTE_BELOW:
        return 1
    return box
