"""The coach's text in an answer: the check question a model wrote, and the feedback on a checked reply."""

from __future__ import annotations

import re

from rag.study.rubric import Point
from rag.text import clip
from rag.tutor.coach import Judgement

COACH_LINE = re.compile(r"^[ \t>*_#-]*coach question[*_ ]*:[*_ ]*(?P<q>.+?)\s*$", re.IGNORECASE | re.MULTILINE)


def coach_question_in(text: str) -> str | None:
    matches = list(COACH_LINE.finditer(text))
    if matches:
        return matches[-1].group("q").strip().strip("*_").strip() or None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and lines[-1].endswith("?"):
        return lines[-1].lstrip("-*> ").strip()
    return None


def judgement_text(judgement: Judgement) -> str:
    parts = [f"**Checked against the source [1]:** {judgement.feedback}"]
    if judgement.covered:
        parts.append("**You covered:** " + ", ".join(f"**{p.label}**" for p in judgement.covered) + " [1]")
    if judgement.missed:
        parts.append("**What the source adds:**\n" + "\n".join(_missed_line(p) for p in judgement.missed))
    return "\n\n".join(p for p in parts if p)


def _missed_line(point: Point) -> str:
    text = " ".join(point.markdown.split())
    if point.nested:
        text += " " + "; ".join(" ".join(t.split()) for _, t in point.nested[:3])
    return f"- {clip(text, 500)} [1]"
