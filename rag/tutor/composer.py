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

from dataclasses import dataclass, field

import numpy as np

from rag.embeddings import Embedder
from rag.entry import Entry
from rag.retrieval import Hit, HybridRetriever
from rag.study.rubric import Point
from rag.text import clip_words
from rag.tutor.entry_text import (
    POINT_WORDS,
    count_words,
    first_sentences,
    lead_of,
    plain_answer,
    point_line,
    step_numbers,
    summary_of,
)
from rag.tutor.point_ranker import PointRanker
from rag.tutor.question_parts import question_parts

MIN_POINTS = 3
MAX_POINTS = 6
MIN_POINTS_EACH = 2  # per entry of a comparison
MAX_POINTS_EACH = 3
MAX_SOURCES = 3
MAX_WORDS_EACH = (150, 85, 58)  # words per entry for 1, 2 or 3 entries: the answer stays under ~180
POINT_SLACK_WORDS = 10
LEAD_WORDS = 45
SUMMARY_WORDS = 30
COACH_POINTS = 2
PLAIN_ANSWER_CHARS = 1200


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
        lead = clip_words(lead_of(entry) or first_sentences(entry.answer, 2), LEAD_WORDS)
        if not entry.key_points and not summary_of(entry):  # a plain answer: its opening sentences
            lead = clip_words(first_sentences(entry.answer, 4), budget)
        summary = summary_of(entry)
        summary = clip_words(first_sentences(summary, 1), SUMMARY_WORDS) if summary else ""
        name = f"Q{entry.question_number}" if entry.question_number is not None else clip_words(entry.title, 6)
        head = f"**{name}**: {lead}" if several else lead
        used = count_words(head) + count_words(summary)
        lines: list[tuple[int, str]] = []
        ranked = self.ranker.ranked_points(entry, query_vector) if entry.key_points else []
        numbers = step_numbers(entry)
        wanted = MIN_POINTS_EACH if several else MIN_POINTS
        limit = MAX_POINTS_EACH if several else MAX_POINTS
        room = max(POINT_WORDS, (budget - used) // max(1, min(len(ranked), wanted)) - 2)
        for point, _ in ranked[:limit]:
            line = point_line(point, min(room, 2 * POINT_WORDS))
            n = count_words(line)
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
            parts.append(plain_answer(best, 1, PLAIN_ANSWER_CHARS // 2))
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


def _clearly_relevant_second(hits: list[Hit], gap: float) -> Hit | None:
    """A second entry is quoted only when it is nearly as close to the question as the first."""
    if len(hits) < 2:
        return None
    first, second = hits[0], hits[1]
    if second.score >= first.score - gap and second.dense >= first.dense - gap:
        return second
    return None


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
