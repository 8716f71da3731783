"""The sides of a comparison or the parts of a two-part question, each answered from its own entry."""

from __future__ import annotations

import re

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
