"""The offline answer: the source's own words, chosen for the question, with citations.

No model writes anything here. An entry's key points (its bold-labelled list items) are
ranked by embedding similarity to the question and the most relevant ones are quoted as
they stand in the source, each cited `[1]`; a nested list ("Action/Mitigation" with
"Retraining" under it) stays one point with its sub-points, as the source groups it.
Similarities reuse the vectors the index already holds for every key point (`point`
passages), so composing an answer costs one matrix product; a point the index lacks is
embedded on the spot.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import numpy as np

from rag.embeddings import Embedder
from rag.entry import Entry
from rag.retrieval import Hit, HybridRetriever
from rag.study.rubric import Point, key_points_of
from rag.text import plain_text

ANSWER_CHARS = 1500  # the coach's extract
MIN_POINTS = 3
MAX_POINTS = 6
MIN_POINTS_EACH = 2  # per entry of a comparison
MAX_POINTS_EACH = 3
MAX_SOURCES = 3
MAX_WORDS_EACH = (150, 85, 58)  # words per entry for 1, 2 or 3 entries: the answer stays under ~180
POINT_SLACK_WORDS = 10
LEAD_WORDS = 45
SUMMARY_WORDS = 30
POINT_WORDS = 24
COACH_POINTS = 2
MAX_NESTED = 8
LEAD_CHARS = 420
PLAIN_ANSWER_CHARS = 1200

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")
_LIST_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_BOLD = re.compile(r"\*\*|__")
_SPACES = re.compile(r"\s+")


def points_of(entry: Entry) -> list[Point]:
    """The entry's top-level list items that lead with a key point's bold label, in source order."""
    return key_points_of(entry, top_level_only=True)


def _bold_label(text: str) -> str | None:
    match = re.match(r"\s*\*\*(.+?)\*\*", text)
    if not match:
        return None
    return match.group(1).strip().rstrip(":").strip() or None


def lead_of(entry: Entry) -> str:
    """The answer's opening paragraph (before its first list), at most two sentences."""
    paragraph: list[str] = []
    for line in entry.answer.splitlines():
        if _LIST_LINE.match(line) or (not line.strip() and paragraph):
            break
        if line.strip():
            paragraph.append(line.strip())
    text = " ".join(paragraph)
    if entry.key_points and text.startswith("**") and text.rstrip(":*").count("**") <= 2 and len(text) < 80:
        return ""  # a bold sub-heading, not a lead
    sentences = _SENTENCE.split(text)
    lead = " ".join(sentences[:2])
    if len(lead) > LEAD_CHARS:
        lead = lead[:LEAD_CHARS].rsplit(" ", 1)[0] + "…"
    return lead


class PointRanker:
    """Similarity of a question to each key point of an entry (index vectors, cached fallback)."""

    def __init__(self, retriever: HybridRetriever, embedder: Embedder):
        self.retriever = retriever
        self.embedder = embedder
        self._rows = {pid: row for row, pid in enumerate(retriever.passage_ids) if "::point::" in pid}
        self._embedded: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def similarities(self, entry: Entry, query_vector: np.ndarray) -> np.ndarray:
        return self.vectors(entry) @ query_vector

    def vectors(self, entry: Entry) -> np.ndarray:
        n = len(entry.key_point_texts)
        if n == 0:
            return np.zeros((0, len(self.retriever.matrix[0]) if len(self.retriever.matrix) else 384), dtype=np.float32)
        rows = [self._rows.get(f"{entry.source_id}::point::{i}") for i in range(n)]
        if all(r is not None for r in rows):
            return self.retriever.matrix[rows]
        with self._lock:
            if entry.source_id not in self._embedded:
                self._embedded[entry.source_id] = self.embedder.embed(
                    [f"{entry.title}: {_BOLD.sub('', t)}" for t in entry.key_point_texts]
                )
            return self._embedded[entry.source_id]

    def ranked_points(self, entry: Entry, query_vector: np.ndarray) -> list[tuple[Point, float]]:
        """Top-level points, most similar first (a point is as similar as its best sub-point)."""
        sims = self.similarities(entry, query_vector)
        scored = []
        for point in points_of(entry):
            best = max([float(sims[point.index])] + [float(sims[c]) for c in point.children])
            scored.append((point, best))
        scored.sort(key=lambda ps: -ps[1])
        return scored


@dataclass
class Extract:
    """An offline answer before it becomes an `Answer`: text, the entries behind [1], [2], a coach question."""

    text: str
    sources: list[Entry]
    coach_question: str | None = None
    coach_points: list[Point] = field(default_factory=list)


class ExtractiveAnswerer:
    def __init__(self, retriever: HybridRetriever, embedder: Embedder):
        self.ranker = PointRanker(retriever, embedder)
        self.embedder = embedder

    def answer(
        self,
        query_vector: np.ndarray,
        hits: list[Hit],
        style: str = "explain",
        second_gap: float = 0.04,
        question: str = "",
    ) -> Extract:
        if style == "coach":
            return self._coach_answer(query_vector, hits)
        sources = self.sources_for(question, hits, second_gap)
        budget = MAX_WORDS_EACH[min(len(sources), len(MAX_WORDS_EACH)) - 1]
        blocks = [
            self._brief(entry, marker, query_vector, budget, len(sources) > 1)
            for marker, entry in enumerate(sources, start=1)
        ]
        return Extract("\n\n".join(b for b in blocks if b), sources)

    def sources_for(self, question: str, hits: list[Hit], second_gap: float = 0.04) -> list[Entry]:
        """The entries an answer needs: one per side of a comparison or part of a two-part
        question (each side's best entry, up to `MAX_SOURCES`), else the best hit and a second
        one only when it is nearly as close."""
        sources: list[Entry] = []
        for part in question_parts(question):
            found = self.ranker.retriever.search(part, k=1)
            if found and found[0].entry not in sources and len(sources) < MAX_SOURCES:
                sources.append(found[0].entry)
        if hits[0].entry in sources:  # the best hit for the whole question leads
            sources.remove(hits[0].entry)
        sources = [hits[0].entry] + sources[: MAX_SOURCES - 1]
        if len(sources) == 1:
            second = _clearly_relevant_second(hits, second_gap)
            if second is not None:
                sources.append(second.entry)
        return sources

    def _brief(self, entry: Entry, marker: int, query_vector: np.ndarray, budget: int, several: bool) -> str:
        """The entry's direct answer, its most relevant points and its summary, within `budget` words."""
        lead = _clip_words(lead_of(entry) or _first_sentences(entry.answer, 2), LEAD_WORDS)
        if not entry.key_points and not summary_of(entry):  # a plain answer: its opening sentences
            lead = _clip_words(_first_sentences(entry.answer, 4), budget)
        summary = summary_of(entry)
        summary = _clip_words(_first_sentences(summary, 1), SUMMARY_WORDS) if summary else ""
        name = f"Q{entry.question_number}" if entry.question_number is not None else _clip_words(entry.title, 6)
        head = f"**{name}**: {lead}" if several else lead
        used = _words(head) + _words(summary)
        lines: list[tuple[int, str]] = []
        ranked = self.ranker.ranked_points(entry, query_vector) if entry.key_points else []
        numbers = _step_numbers(entry)
        wanted = MIN_POINTS_EACH if several else MIN_POINTS
        limit = MAX_POINTS_EACH if several else MAX_POINTS
        room = max(POINT_WORDS, (budget - used) // max(1, min(len(ranked), wanted)) - 2)
        for point, _ in ranked[:limit]:
            line = _point_line(point, min(room, 2 * POINT_WORDS))
            n = _words(line)
            if len(lines) >= wanted and used + n > budget:
                break
            if used + n > budget + POINT_SLACK_WORDS:
                continue
            lines.append((point.index, line))
            used += n
        if not lines and head.endswith(":"):
            head = head[:-1].rstrip() + "."
        lines.sort()
        rendered = [f"{numbers[i]}. {text}" if i in numbers else f"- {text}" for i, text in lines]
        body = [head] + (["\n".join(rendered)] if rendered else []) + ([summary] if summary else [])
        body[-1] = f"{body[-1]} [{marker}]"
        return "\n\n".join(b for b in body if b.strip())

    def _coach_answer(self, query_vector: np.ndarray, hits: list[Hit]) -> Extract:
        best = hits[0].entry
        parts: list[str] = []
        lead = lead_of(best)
        ranked = self.ranker.ranked_points(best, query_vector)
        if not ranked:
            parts.append(_plain_answer(best, 1, PLAIN_ANSWER_CHARS // 2))
        else:
            if lead:
                parts.append(f"{lead} [1]")
            shown = sorted((p for p, _ in ranked[:COACH_POINTS]), key=lambda p: p.index)
            parts.append("\n".join(self._render_point(p, 1, 2) for p in shown))
        extract = Extract("\n\n".join(p for p in parts if p), [best])
        self._add_coach_question(extract, best, ranked)
        return extract

    def _render_point(self, point: Point, marker: int, max_nested: int) -> str:
        """The point as the source writes it, its sub-items below, cited once at the end."""
        lines = [f"- {point.markdown}"] + [f"{'  ' * depth}- {text}" for depth, text in point.nested[:max_nested]]
        lines[-1] += f" [{marker}]"
        return "\n".join(lines)

    def _related(self, entry: Entry, query_vector: np.ndarray) -> str:
        ranked = self.ranker.ranked_points(entry, query_vector)
        head = f"Also relevant, *{entry.label}*:"
        if ranked:
            return head + "\n" + self._render_point(ranked[0][0], 2, 2)
        lead = lead_of(entry) or _first_sentences(entry.answer, 2)
        if lead.endswith(":"):
            lead = lead[:-1].rstrip() + "."
        return f"{head} {lead} [2]"

    def _add_coach_question(self, extract: Extract, entry: Entry, ranked: list[tuple[Point, float]]) -> None:
        shown = [p for p, _ in ranked[:COACH_POINTS]]
        rest = sorted((p for p, _ in ranked[COACH_POINTS:]), key=lambda p: p.index)
        if rest:
            named = _join([f"**{p.label}**" for p in shown])
            question = (
                f"Besides {named}, what else belongs in a strong interview answer here? "
                "Name one or two more points and say why they matter."
            )
            extract.coach_points = rest
        else:
            question = f"In your own words, and without looking: {entry.title}"
            extract.coach_points = [p for p, _ in ranked]
        extract.coach_question = question
        extract.text += f"\n\n**Coach question:** {question}"


_COMPARISON = re.compile(
    r"\s+(?:vs\.?|versus|compared (?:with|to)|or|and how (?:does|do|is|are) (?:it|that|this) (?:differ|compare)"
    r" (?:from|with|to))\s+|\s*\?\s+(?=\S)|;\s*|,?\s+and (?=(?:how|what|why|when|which|where)\b)",
    re.IGNORECASE,
)
_DIFFERENCE = re.compile(
    r"\b(?:difference|differences|differ|distinguish|compare|comparison)\b.*?\bbetween\s+(.+)", re.IGNORECASE
)


def question_parts(question: str) -> list[str]:
    """The sides of a comparison ("PSI vs KS", "difference between A and B") or the parts of a
    two-part question ("What is X? How do you do Y?"); [] for a question with one part."""
    text = " ".join(question.split())
    between = _DIFFERENCE.search(text)
    if between:
        parts = re.split(r"\s+and\s+|\s*,\s*", between.group(1).rstrip("?. "), flags=re.IGNORECASE)
    else:
        parts = _COMPARISON.split(text)
    parts = [p.strip(" ?.,:;") for p in parts]
    parts = [p for p in parts if len(p.split()) >= 1 and len(p) >= 2]
    return parts if len(parts) >= 2 else []


def summary_of(entry: Entry) -> str:
    """The entry's closing paragraph when it follows the answer's list (its summary), else ""."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", entry.answer) if p.strip()]
    if len(paragraphs) < 2 or not entry.items or _LIST_LINE.match(paragraphs[-1]):
        return ""
    if not any(_LIST_LINE.match(p) for p in paragraphs[:-1]):
        return ""
    return _SPACES.sub(" ", paragraphs[-1])


def _point_line(point: Point, words: int = POINT_WORDS) -> str:
    """A point as one line: its bold label and the first sentences of what the source says about
    it (its sub-items too when they are all it says), up to `words` words."""
    markdown = point.markdown or point.text
    lead = re.match(r"\s*\*\*(.+?)\*\*:?\s*(.*)", markdown, re.DOTALL)
    rest = lead.group(2) if lead else markdown
    pieces = _SENTENCE.split(_first_sentences(rest, 3)) + [
        _first_sentences(plain_text(text), 1) for _, text in point.nested
    ]
    sentence = ""
    for piece in (p.strip() for p in pieces if p.strip()):
        if sentence and _words(sentence) + _words(piece) > words:
            break
        sentence = f"{sentence} {piece}".strip()
    sentence = _clip_words(sentence, words)
    label = point.label.rstrip(":")
    return f"**{label}:** {sentence}" if sentence else f"**{label}**"


def _step_numbers(entry: Entry) -> dict[int, int]:
    """Key point index -> its number in the source, for points that are steps of a numbered list."""
    index_of = {label.lower(): i for i, label in enumerate(entry.key_points)}
    numbers: dict[int, int] = {}
    position: dict[tuple[int | None, int], int] = {}
    for item in entry.items or ():
        if not item.ordered:
            continue
        key = (item.parent, item.depth)
        position[key] = position.get(key, 0) + 1
        i = index_of.get(item.label.lower()) if item.label else None
        if i is not None and i not in numbers:
            numbers[i] = position[key]
    return numbers


def _words(text: str) -> int:
    return len(text.split())


def _clip_words(text: str, limit: int) -> str:
    words = text.split()
    if len(words) <= limit:
        return text.strip()
    return " ".join(words[:limit]).rstrip(",;:") + "…"


def _within_budget(ranked: list[Point], size) -> list[Point]:
    chosen: list[Point] = []
    used = 0
    for point in ranked:
        n = size(point)
        if len(chosen) >= MIN_POINTS and used + n > ANSWER_CHARS:
            break
        chosen.append(point)
        used += n
    return chosen


def _clearly_relevant_second(hits: list[Hit], gap: float) -> Hit | None:
    """A second entry is quoted only when it is nearly as close to the question as the first."""
    if len(hits) < 2:
        return None
    first, second = hits[0], hits[1]
    if second.score >= first.score - gap and second.dense >= first.dense - gap:
        return second
    return None


def _plain_answer(entry: Entry, marker: int, limit: int) -> str:
    """An entry without key points: its answer, cut at a block boundary, each block cited."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", entry.answer) if b.strip()]
    kept: list[str] = []
    size = 0
    for block in blocks:
        if kept and size + len(block) > limit:
            break
        kept.append(block)
        size += len(block)
    if not kept:
        return f"[{marker}]"
    return "\n\n".join(_cite_block(b, marker) for b in kept)


def _cite_block(block: str, marker: int) -> str:
    return f"{block.rstrip()} [{marker}]"


def _first_sentences(text: str, n: int) -> str:
    flat = _SPACES.sub(" ", _BOLD.sub("", text)).strip()
    return " ".join(_SENTENCE.split(flat)[:n])


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def points_or_blocks(entry: Entry) -> list[Point]:
    """What an answer about this entry should cover: its key points, or else its answer's blocks."""
    points = points_of(entry)
    if points:
        return points
    blocks = [b.strip() for b in re.split(r"\n\s*\n", entry.answer) if b.strip()]
    merged: list[str] = []
    for block in blocks:  # a bold heading belongs with the list under it
        if merged and _bold_label(merged[-1]) and "\n" not in merged[-1] and merged[-1].rstrip().endswith(("**", ":")):
            merged[-1] = f"{merged[-1]}\n{block}"
        else:
            merged.append(block)
    result = []
    for i, block in enumerate(merged):
        label = _bold_label(block) or _short_label(block)
        result.append(Point(label, plain_text(block), block, index=-1 - i))
    return result


def _short_label(text: str, words: int = 6) -> str:
    plain = _SPACES.sub(" ", _BOLD.sub("", text)).strip()
    head = plain.split(" ")
    return " ".join(head[:words]) + ("…" if len(head) > words else "")
