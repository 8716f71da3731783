"""Plain-text helpers shared by the corpus, the study bank, the tutor and the grader.

One home for the small text rules that several parts must agree on, so a quote the study
bank checks and a sentence the grader reads are normalised the same way.
"""

from __future__ import annotations

import re

_EMPHASIS = re.compile(r"[*_`]")
_LINE_MARKER = re.compile(r"^\s*(?:[-+]|\d+[.)])\s+", re.MULTILINE)
_SPACE = re.compile(r"\s+")


def quote_key(text: str) -> str:
    """Text reduced to what a quotation must match: no emphasis, bullets or spacing, lower case."""
    text = _EMPHASIS.sub("", text)
    text = _LINE_MARKER.sub("", text)
    return _SPACE.sub(" ", text).strip().lower()
