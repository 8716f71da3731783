"""Offline quiz items, from the sources alone, in a seeded order (`ItemBuilder`).

* bank (mcq): the study bank's curated concept questions (a situation -> which strategy,
  the trade-off of X, which is NOT ...), choices shuffled with the key tracked, the
  explanation quoting the source sentence. They come first.
* concept (mcq), for entries without bank items (a user's notes) and after the bank runs
  out: a key point's description, its label's words masked -> which concept it describes.
  Wrong choices are of the same kind: sibling points of the entry that the description is
  clearly *not* about (by embedding margin), else points of sibling entries that the entry
  neither lists nor mentions.
* excerpt (mcq): "Which question does this excerpt belong to?", only when retrieval ranks
  the excerpt's own entry clearly first.
* question / point (open): the entry's own question, or one key point to explain.

A round never repeats an item.
"""

from __future__ import annotations

import hashlib
import logging
import random
import re

import numpy as np

from rag.entry import Entry
from rag.study.grading import cached_vectors
from rag.study.quiz_items import (
    MCQ_STYLES,
    N_CHOICES,
    OPEN_STYLES,
    QuizItem,
    content_stems,
    distinctive_words,
    gives_key_away,
    new_item,
    norm,
)
from rag.study.rubric import Point, plain_text, rubric_points, split_sentences
from rag.study.topics import Topic
from rag.study_bank import quoted_in
from rag.text import clip

log = logging.getLogger(__name__)


# A wrong option is not surely wrong when it is this close to one of the entry's labels or
# to its question (measured: "Regulatory Compliance" vs "Compliance" 0.84, "Model
# Monitoring" vs "Monitoring" 0.71, "Model Training" vs "Model Evaluation" 0.61).
SYNONYM_SIMILARITY = 0.6
TOPIC_SIMILARITY = 0.6
RELATED_ENTRIES = 8  # wrong options come from this many related entries of other sections
DISTINCT_SIMILARITY = 0.85  # two options this close read as the same option
PLAUSIBLE_POOL = 10  # wrong options are drawn from the this-many most topical candidates
EXCERPT_MIN_WORDS = 10
EXCERPT_DENSE_MARGIN = 0.05  # the excerpt's own entry must beat the runner-up by this much
EXCERPT_TRIES = 6
EXCERPT_MAX_CHARS = 320
EXCERPT_CLEAR_RANKS = 3  # wrong titles come from entries retrieval ranks below this for the excerpt
CONCEPT_MARGIN = 0.1  # a description must be this much closer to its own point than to a wrong choice's
CONCEPT_MIN_WORDS = 5  # a description shorter than this does not describe anything


class ItemBuilder:
    """Offline items for the entries of a topic, in a seeded order."""

    def __init__(self, kb, seed: int, bank=None, difficulty: str | None = None):
        self.kb = kb
        self.embedder = kb.embedder
        self.rng = random.Random(seed)
        self.entries = list(kb.corpus.entries)
        self.by_id = {e.source_id: e for e in self.entries}
        self.bank = bank
        self.difficulty = difficulty

    def plan(self, topic: Topic, n: int) -> list[QuizItem]:
        entries = list(topic.entries)
        if not topic.ordered:
            self.rng.shuffle(entries)
        items: list[QuizItem] = []
        seen: set[str] = set()
        used_variants: dict[tuple[str, str], set] = {}
        round_no = 0
        while len(items) < n:
            made = 0
            for i, entry in enumerate(entries):
                if len(items) >= n:
                    break
                wanted = "mcq" if len(items) % 2 == 0 else "open"  # alternate the kinds
                opens = OPEN_STYLES[(i + round_no) % 2 :] + OPEN_STYLES[: (i + round_no) % 2]
                rotation = MCQ_STYLES + opens if wanted == "mcq" else opens + MCQ_STYLES
                for style in rotation:
                    shared = "points" if style in ("concept", "point") else style  # one point, one item
                    item = self.build(entry, style, used_variants.setdefault((entry.source_id, shared), set()))
                    if item is not None and item.id not in seen:
                        seen.add(item.id)
                        items.append(item)
                        made += 1
                        break
            if made == 0:
                break
            round_no += 1
        return items

    def build(self, entry: Entry, style: str, used: set) -> QuizItem | None:
        maker = {
            "bank": self.bank_item,
            "concept": self.concept_item,
            "excerpt": self.excerpt_item,
            "question": self.question_item,
            "point": self.point_item,
        }[style]
        return maker(entry, used)

    # ------------------------------------------------------------------ the four styles

    def question_item(self, entry: Entry, used: set) -> QuizItem | None:
        if used:
            return None
        used.add("question")
        return new_item(entry, "question", "question", entry.title)

    def point_item(self, entry: Entry, used: set) -> QuizItem | None:
        if not entry.key_points:
            return None
        point = self._next_point(entry, used)
        if point is None:
            return None
        prompt = f'In the answer to "{entry.title}", what does "{point.label}" mean? Explain it in a sentence or two.'
        item = new_item(entry, "point", _slug(point.label), prompt)
        item.focus = point.label
        return item

    def bank_item(self, entry: Entry, used: set) -> QuizItem | None:
        """The next curated question of the entry that passes the give-away check."""
        mcqs = list(enumerate(self.bank.of(entry.source_id).mcqs)) if self.bank is not None else []
        if self.difficulty:
            mcqs.sort(key=lambda pair: pair[1].difficulty != self.difficulty)
        for index, mcq in mcqs:
            if index in used:
                continue
            used.add(index)
            if gives_key_away(mcq.stem, mcq.choices, mcq.answer):
                log.info("bank question %s/%d skipped: its key is given away by the stem", entry.source_id, index)
                continue
            choices, answer = self._shuffle(
                mcq.choices[mcq.answer], [c for i, c in enumerate(mcq.choices) if i != mcq.answer]
            )
            item = new_item(entry, "bank", str(index), mcq.stem)
            item.choices, item.answer, item.origin, item.difficulty = choices, answer, "bank", mcq.difficulty
            item.quote, item.quote_source_id = mcq.source, mcq.source_id or entry.source_id
            quoted = self.by_id.get(item.quote_source_id)
            where = f" (from {quoted.label})" if quoted is not None and quoted.source_id != entry.source_id else ""
            item.explanation = f'{mcq.explanation} The source{where}: "{clip(mcq.source, 400)}"'
            return item
        return None

    def concept_item(self, entry: Entry, used: set) -> QuizItem | None:
        """Description -> concept: which of these is described by a key point's own words?"""
        if not entry.key_points:
            return None
        points = [p for p in rubric_points(entry) if p.label not in used]
        self.rng.shuffle(points)
        for point in points:
            used.add(point.label)
            quote = _description(point, entry)
            if quote is None:
                continue
            wrong = self.concept_distractors(entry, point, quote)
            if len(wrong) < N_CHOICES - 1:
                continue
            choices, answer = self._shuffle(point.label, wrong)
            description = _mask(quote, point.label)
            stem = f'Asked "{entry.title}", a candidate describes this: "{description}" Which of these is it?'
            if gives_key_away(stem, choices, answer):
                continue
            item = new_item(entry, "concept", _slug(point.label), stem)
            item.choices, item.answer, item.difficulty = choices, answer, "apply"
            item.quote, item.quote_source_id = quote, entry.source_id
            item.explanation = f'That is "{point.label}". The source: "{clip(quote, 400)}"'
            return item
        return None

    def concept_distractors(self, entry: Entry, right: Point, quote: str) -> list[str]:
        """Three labels of the same kind that the description is clearly not about.

        Sibling points of the entry come first (four practices of one answer), kept only when
        the description is closer to its own point than to theirs by CONCEPT_MARGIN, so the
        source supports none of them as the answer; then points of sibling entries (same
        section first) that the entry neither lists nor mentions (`wrong_points`).
        """
        siblings = [p for p in rubric_points(entry) if p.label != right.label and not _shares_words(p.label, quote)]
        chosen: list[str] = []
        if siblings:
            description = self.embedder.embed_query(quote)
            own = float((self.vectors([right.text]) @ description)[0])
            others = self.vectors([p.text for p in siblings]) @ description
            fair = [p.label for p, sim in zip(siblings, others) if own - float(sim) >= CONCEPT_MARGIN]
            self.rng.shuffle(fair)
            chosen = self._distinct(fair, first=right.label)
        if len(chosen) < N_CHOICES - 1:
            extra = [label for label in self.wrong_points(entry, right) if not _shares_words(label, quote)]
            chosen = self._distinct(chosen + extra, first=right.label)
        return chosen[: N_CHOICES - 1]

    def excerpt_item(self, entry: Entry, used: set) -> QuizItem | None:
        candidates = [s for s in _excerpt_candidates(entry) if s not in used]
        self.rng.shuffle(candidates)
        title_words = distinctive_words(entry.title)
        candidates.sort(key=lambda s: bool(distinctive_words(s) & title_words))  # no give-away words first
        for excerpt in candidates[:EXCERPT_TRIES]:
            used.add(excerpt)
            wrong = self.wrong_titles(entry, excerpt)
            if wrong is None:
                continue
            choices, answer = self._shuffle(entry.title, wrong)
            prompt = f'Which interview question does this answer excerpt belong to?\n\n"{excerpt}"'
            item = new_item(entry, "excerpt", hashlib.sha1(excerpt.encode()).hexdigest()[:8], prompt)
            item.choices, item.answer = choices, answer
            item.explanation = f'The excerpt comes from the answer to "{entry.title}".'
            return item
        return None

    # ------------------------------------------------------------------ wrong options

    def wrong_points(self, entry: Entry, right: Point) -> list[str]:
        """Three labels of other entries' points that are surely not points of this entry.

        Candidates come from the sibling entries closest to this one (plausible); a
        candidate is dropped when the entry lists it, mentions it, shares a distinctive
        word with its question or its labels ("Supporting Governance" for "What is model
        governance?"), or is close by embedding to one of its labels or to its question
        ("Regulatory Compliance" when "Compliance" is a point). Measured on the corpus: a
        further check against each sentence of the answer (cosine >= 0.8) removed nothing
        these checks had kept, so it is not made.
        """
        own_labels = list(entry.key_points)
        own_keys = {norm(label) for label in own_labels}
        own_words = distinctive_words(" ".join([entry.title, *own_labels]))
        answer_text = f" {norm(plain_text(entry.answer) + ' ' + entry.title)} "
        candidates: dict[str, str] = {}
        for other in self._related_entries(entry):
            for point in rubric_points(other):
                key = norm(point.label)
                if not key or key in own_keys or key in candidates or f" {key} " in answer_text:
                    continue
                if distinctive_words(point.label) & own_words:
                    continue
                candidates[key] = point.label
        labels = list(candidates.values())
        if len(labels) < N_CHOICES - 1:
            return []
        vectors = self.vectors(labels)
        title = self.embedder.embed_query(entry.title)
        to_title = vectors @ title
        to_labels = (vectors @ self.vectors(own_labels).T).max(axis=1)
        keep = (to_labels < SYNONYM_SIMILARITY) & (to_title < TOPIC_SIMILARITY)
        order = [i for i in np.argsort(-to_title, kind="stable") if keep[i]]
        pool = order[:PLAUSIBLE_POOL]
        self.rng.shuffle(pool)
        return self._distinct([labels[i] for i in pool], first=right.label)

    def _related_entries(self, entry: Entry) -> list[Entry]:
        """Entries of other sections with key points, the most related to this one first."""
        hits = self.kb.retriever.search(entry.title, k=len(self.entries))
        ranked = [h.entry for h in hits if h.entry.source_id != entry.source_id and h.entry.key_points]
        same = [e for e in ranked if e.section == entry.section]
        return (same + [e for e in ranked if e.section != entry.section])[:RELATED_ENTRIES]

    def wrong_titles(self, entry: Entry, excerpt: str) -> list[str] | None:
        """Titles of entries retrieval puts well below the excerpt's own entry, or None when
        the excerpt does not point at its entry clearly enough to make a fair question."""
        hits = self.kb.retriever.search(excerpt, k=len(self.entries))
        if not hits or hits[0].entry.source_id != entry.source_id:
            return None
        if len(hits) > 1 and hits[0].dense - max(h.dense for h in hits[1:]) < EXCERPT_DENSE_MARGIN:
            return None  # another entry says nearly the same thing
        close = {h.entry.source_id for h in hits[:EXCERPT_CLEAR_RANKS]}
        pool = [h.entry for h in hits if h.entry.source_id not in close and h.entry.title != entry.title]
        same_section = [e for e in pool if e.section == entry.section]
        others = [e for e in pool if e.section != entry.section][:PLAUSIBLE_POOL]
        self.rng.shuffle(same_section)
        self.rng.shuffle(others)
        titles = self._distinct([e.title for e in same_section[:2] + others], first=entry.title)
        return titles if len(titles) == N_CHOICES - 1 else None

    def _distinct(self, candidates: list[str], first: str) -> list[str]:
        """Up to three candidates, none the same as (or a near-copy of) `first` or each other."""
        chosen = [first]
        for label in candidates:
            if len(chosen) == N_CHOICES:
                break
            if norm(label) in {norm(c) for c in chosen}:
                continue
            vecs = self.vectors(chosen + [label])
            if float((vecs[:-1] @ vecs[-1]).max()) >= DISTINCT_SIMILARITY:
                continue
            chosen.append(label)
        return chosen[1:]

    # ------------------------------------------------------------------ helpers

    def _next_point(self, entry: Entry, used: set) -> Point | None:
        points = [p for p in rubric_points(entry) if p.label not in used]
        if not points:
            return None
        point = self.rng.choice(points)
        used.add(point.label)
        return point

    def _shuffle(self, right: str, wrong: list[str]) -> tuple[list[str], int]:
        choices = [right, *wrong[: N_CHOICES - 1]]
        self.rng.shuffle(choices)
        return choices, choices.index(right)

    def vectors(self, texts: list[str]) -> np.ndarray:
        return cached_vectors(self.embedder, texts)


def _shares_words(label: str, text: str) -> bool:
    return bool(content_stems(label) & content_stems(text))


def _description(point: Point, entry: Entry) -> str | None:
    """The point's first sentence without its label: the words the source uses to describe it."""
    for sentence in split_sentences(point.text)[:2]:
        body = re.sub(rf"^\s*{re.escape(point.label)}\s*:?\s*", "", sentence).strip()
        if len(body.split()) >= CONCEPT_MIN_WORDS and quoted_in(body, entry):
            return body
    return None


def _mask(text: str, label: str) -> str:
    """The text with the label's own words blanked, so the description does not name its answer."""
    label_stems = content_stems(label)
    return re.sub(
        r"[A-Za-z][A-Za-z0-9'-]*",
        lambda m: "___" if content_stems(m.group(0)) & label_stems else m.group(0),
        text,
    )


def _excerpt_candidates(entry: Entry) -> list[str]:
    """Sentences of the answer long enough to be recognisable, without their bold labels."""
    out = []
    for sentence in split_sentences(entry.answer):
        sentence = re.sub(r"^[^:]{1,60}:\s+", "", sentence) if ":" in sentence[:62] else sentence
        if len(sentence.split()) >= EXCERPT_MIN_WORDS and len(sentence) <= EXCERPT_MAX_CHARS:
            out.append(sentence)
    return list(dict.fromkeys(out))


def _slug(text: str) -> str:
    return norm(text).replace(" ", "-")[:60] or "item"
