"""What a quiz topic means: a section, the Big Tech questions, a mix, my weak spots, or free text.

A user types a topic the way they think of it ("testing and deployment", "ci/cd for ml",
"big tech", "kubernetes"), so section names are matched loosely (case, '&' vs 'and',
punctuation) before anything is read as free text. Free text picks entries by retrieval,
and only entries that retrieval finds close enough: a topic the corpus does not cover
is refused with the sections to choose from, rather than quizzed on whatever ranks first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.entry import Entry
from rag.errors import UserFacingError

# The scope gate's measured threshold (best passage cosine); see eval/README.md.
TOPIC_DENSE_THRESHOLD = 0.32
FREE_TEXT_SPREAD = 0.12  # entries within this of the best hit belong to the topic too
MAX_FREE_TEXT_ENTRIES = 5
# Free-text evidence weights: a glossary term of that name is the strongest sign, then the
# entry's own text naming it, the bank's alternate questions, and closeness by meaning.
GLOSSARY_EXACT = 3.0
GLOSSARY_PARTIAL = 1.5
MENTION = 1.0
MENTION_EACH = 0.5
ALTERNATE = 1.0
ALTERNATE_EACH = 0.5
RETRIEVED = 1.5
RETRIEVED_DECAY = 0.2
SHORT_TOPIC_WORDS = 3  # a topic this short is a term: few questions or key points naming it means thin coverage
THIN_COVERAGE = 2  # ... and the guide names it fewer than THIN_MENTIONS times
THIN_MENTIONS = 5
MAX_TOPIC_CHARS = 300

BIG_TECH_NAMES = {"bigtech", "bigtechquestions", "bigtechquestion"}
MIXED_NAMES = {"mix", "mixed", "all", "everything", "anything", "allsections", "amix"}
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
    used: list[str] = field(default_factory=list)  # free text: the evidence that chose the entries


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
    if key in MIXED_NAMES:  # every section's questions (a document's unnumbered opening is context, not a question)
        numbered = [e for e in entries if e.question_number is not None] or list(entries)
        return Topic("a mix of every section", "mixed", numbered)
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
    """Entries for a free-text topic, by what names it and by meaning.

    Evidence, strongest first: a glossary term with that name lists its entries; an entry's
    question or answer mentions the phrase; the study bank's alternate questions for an
    entry mention it; retrieval ranks the entry close to the best hit. A short phrase that
    few entries mention gets a notice saying the guide covers it thinly and what was used.
    """
    hits = kb.retriever.search(text, k=max(8, MAX_FREE_TEXT_ENTRIES))
    by_id = {e.source_id: e for e in entries}
    bank = getattr(kb, "study_bank", None)
    evidence = TopicEvidence()
    phrase = _phrase(text)
    for term in getattr(bank, "glossary", None) or []:
        names = [_key(name) for name in term.names]
        exact = _key(text) in names
        if exact or any(phrase.search(name) for name in term.names):
            for source_id in term.entries:
                if source_id in by_id:
                    evidence.add(
                        source_id, GLOSSARY_EXACT if exact else GLOSSARY_PARTIAL, f"the glossary term “{term.term}”"
                    )
    for entry in entries:
        mentions = len(phrase.findall(f"{entry.title}\n{entry.answer}"))
        if mentions:
            headline = bool(phrase.search(entry.title)) or any(phrase.search(label) for label in entry.key_points)
            score = MENTION + MENTION_EACH * min(mentions, 3) + (MENTION if headline else 0)
            evidence.add(entry.source_id, score, "the guide's text", explained=headline)
            evidence.mentions += mentions
        alternates = sum(
            1 for alternate in (bank.of(entry.source_id).alternates if bank else ()) if phrase.search(alternate)
        )
        if alternates:
            evidence.add(
                entry.source_id, ALTERNATE + ALTERNATE_EACH * min(alternates - 1, 2), "the study bank's questions"
            )
    close = hits and hits[0].dense >= TOPIC_DENSE_THRESHOLD
    if close:
        floor = max(TOPIC_DENSE_THRESHOLD, hits[0].dense - FREE_TEXT_SPREAD)
        for rank, hit in enumerate(h for h in hits if h.dense >= floor):
            evidence.add(hit.entry.source_id, RETRIEVED - RETRIEVED_DECAY * rank, "retrieval by meaning")
    if not evidence.scores:
        names = ", ".join(dict.fromkeys(e.section for e in entries))
        raise TopicNotCovered(
            f"The guide does not cover “{text}”. Pick one of its sections ({names}), "
            "the Big Tech questions or your weak spots."
        )
    ranked = sorted(evidence.scores, key=lambda sid: -evidence.scores[sid])
    chosen = [by_id[sid] for sid in ranked[:MAX_FREE_TEXT_ENTRIES]]
    notice = None
    thin = len(evidence.explained) < THIN_COVERAGE and evidence.mentions < THIN_MENTIONS
    if len(text.split()) <= SHORT_TOPIC_WORDS and thin:
        explained = [by_id[sid].label for sid in evidence.explained]
        where = (
            f"only {', '.join(explained)} treats it as a point" if explained else "no question or key point names it"
        )
        notice = f"The guide covers “{text}” thinly: {where}. Used: {', '.join(evidence.used)}."
    return Topic(text, "free_text", chosen, notice=notice, ordered=True, used=list(evidence.used))


@dataclass
class TopicEvidence:
    """Why each entry belongs to a free-text topic: a score per entry and the kinds of evidence used."""

    scores: dict[str, float] = field(default_factory=dict)
    explained: list[str] = field(default_factory=list)  # entries whose question or a key point names the topic
    used: list[str] = field(default_factory=list)
    mentions: int = 0  # how often the guide's text names the topic

    def add(self, source_id: str, score: float, why: str, explained: bool = False) -> None:
        self.scores[source_id] = self.scores.get(source_id, 0.0) + score
        if explained and source_id not in self.explained:
            self.explained.append(source_id)
        if why not in self.used:
            self.used.append(why)


def _phrase(text: str) -> re.Pattern:
    """The topic as a whole-word phrase, spaces and hyphens alike, a plural 's' optional."""
    words = [re.escape(w) for w in re.split(r"[\s-]+", text.strip()) if w]
    return re.compile(r"(?<!\w)" + r"[\s-]+".join(words) + r"s?(?!\w)", re.IGNORECASE)


def _key(text: str) -> str:
    text = text.lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "", text)
