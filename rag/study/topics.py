"""What a quiz topic means: a section, the Big Tech questions, my weak spots, or free text.

A user types a topic the way they think of it ("testing and deployment", "ci/cd for ml",
"big tech", "kubernetes"), so section names are matched loosely (case, '&' vs 'and',
punctuation) before anything is read as free text. Free text picks entries by retrieval,
and only entries that retrieval finds close enough: a topic the corpus does not cover
is refused with the sections to choose from, rather than quizzed on whatever ranks first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.corpus import Entry
from rag.errors import UserFacingError

# The scope gate's measured threshold (best passage cosine); see eval/README.md.
TOPIC_DENSE_THRESHOLD = 0.32
FREE_TEXT_SPREAD = 0.12  # entries within this of the best hit belong to the topic too
MAX_FREE_TEXT_ENTRIES = 5
MAX_TOPIC_CHARS = 300

BIG_TECH_NAMES = {"bigtech", "bigtechquestions", "bigtechquestion"}
WEAK_SPOT_NAMES = {"weakspots", "myweakspots", "weakspot", "weak", "review", "due"}


class TopicNotCovered(UserFacingError, ValueError):
    """The topic matches no section and retrieval finds nothing close enough."""


@dataclass
class Topic:
    name: str  # how the quiz names it: the section's own name, "Big Tech questions", ...
    kind: str  # "section", "big_tech", "weak_spots" or "free_text"
    entries: list[Entry]
    notice: str | None = None
    ordered: bool = False  # True when the order matters (weak spots: most urgent first)


def resolve_topic(kb, topic: str, progress=None, limit: int = 50) -> Topic:
    text = " ".join((topic or "").split())
    if not text:
        raise TopicNotCovered("empty topic: name a section, 'big tech', 'weak spots' or any subject")
    if len(text) > MAX_TOPIC_CHARS:
        raise TopicNotCovered(f"topic too long ({len(text)} characters, limit {MAX_TOPIC_CHARS})")
    entries = kb.corpus.entries
    key = _key(text)
    for section in dict.fromkeys(e.section for e in entries):
        if _key(section) == key:
            return Topic(section, "section", [e for e in entries if e.section == section])
    if key in BIG_TECH_NAMES:
        return Topic("Big Tech questions", "big_tech", [e for e in entries if e.big_tech])
    if key in WEAK_SPOT_NAMES:
        if progress is None:
            from rag.study.progress import open_progress

            progress = open_progress(kb.settings)
        return _weak_spots(entries, progress, limit)
    return _free_text(kb, text, entries)


def _weak_spots(entries: list[Entry], progress, limit: int) -> Topic:
    weak = [p.entry for p in progress.weak_spots(entries, limit=limit)]
    if weak:
        return Topic("my weak spots", "weak_spots", weak, ordered=True, notice=progress.problem)
    unseen = progress.unseen(entries)
    notice = "no weak spots yet (nothing due and nothing scored low): questions you have not tried yet"
    if not unseen:
        unseen, notice = list(entries), "no weak spots: everything is mastered and nothing is due; a mixed review"
    return Topic("my weak spots", "weak_spots", unseen, notice=notice)


def _free_text(kb, text: str, entries: list[Entry]) -> Topic:
    hits = kb.retriever.search(text, k=max(8, MAX_FREE_TEXT_ENTRIES))
    if not hits or hits[0].dense < TOPIC_DENSE_THRESHOLD:
        names = ", ".join(dict.fromkeys(e.section for e in entries))
        raise TopicNotCovered(
            f"The guide does not cover “{text}”. Pick one of its sections ({names}), "
            "the Big Tech questions or your weak spots."
        )
    floor = max(TOPIC_DENSE_THRESHOLD, hits[0].dense - FREE_TEXT_SPREAD)
    chosen = [h.entry for h in hits if h.dense >= floor][:MAX_FREE_TEXT_ENTRIES]
    return Topic(text, "free_text", chosen, ordered=True)


def _key(text: str) -> str:
    text = text.lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "", text)
