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


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_INLINE_MARKUP = re.compile(r"\*\*|__|`|(?<!\w)\*(?!\s)|(?<!\s)\*(?!\w)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def plain_text(markdown: str) -> str:
    """Markdown -> plain text: links to their words, no list markers, bold, italics or code ticks."""
    text = _LINK.sub(r"\1", markdown)
    lines = [_LIST_MARKER.sub("", line) for line in text.splitlines()]
    text = "\n".join(lines)
    text = re.sub(r"\s+\*\s+(?=\*\*)", " ", text)  # nested list markers flattened into one line
    text = _INLINE_MARKUP.sub("", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def split_sentences(text: str) -> list[str]:
    """Sentences and lines of (Markdown or plain) text; a list item counts as a sentence."""
    out: list[str] = []
    for line in plain_text(text).splitlines():
        for sentence in _SENTENCE_END.split(line):
            sentence = sentence.strip(" -*\t")
            if len(sentence) >= 3 and any(c.isalnum() for c in sentence):
                out.append(sentence)
    return out


def clip(text: str, limit: int, ellipsis: str = "…") -> str:
    """`text` (spacing collapsed) in at most `limit` characters, cut at a word, never mid-word."""
    text = _SPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    room = text[: max(limit - len(ellipsis), 1) + 1]
    cut = room.rsplit(" ", 1)[0] if " " in room else room[: max(limit - len(ellipsis), 1)]
    return cut.rstrip(" ,;:-—") + ellipsis
