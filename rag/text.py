"""Plain-text helpers shared by the corpus, the study bank, the tutor and the grader.

One home for the small text rules that several parts must agree on, so a quote the study
bank checks and a sentence the grader reads are normalised the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_EMPHASIS = re.compile(r"[*_`]")
_LINE_MARKER = re.compile(r"^\s*(?:[-+]|\d+[.)])\s+", re.MULTILINE)
_SPACE = re.compile(r"\s+")
_LAST_SPACE = re.compile(r"\s\S*$")


def quote_key(text: str) -> str:
    """Text reduced to what a quotation must match: no emphasis, bullets or spacing, lower case."""
    text = _EMPHASIS.sub("", text)
    text = _LINE_MARKER.sub("", text)
    return _SPACE.sub(" ", text).strip().lower()


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_ANY_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")  # a bullet or "1." / "1)" opening a line
_INLINE_MARKUP = re.compile(r"\*\*|__|`|(?<!\w)\*(?!\s)|(?<!\s)\*(?!\w)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def plain_text(markdown: str) -> str:
    """Markdown -> plain text: links to their words, no list markers, bold, italics or code ticks."""
    text = _LINK.sub(r"\1", markdown)
    lines = [LIST_MARKER.sub("", line) for line in text.splitlines()]
    text = "\n".join(lines)
    text = re.sub(r"\s+\*\s+(?=\*\*)", " ", text)  # nested list markers flattened into one line
    text = _INLINE_MARKUP.sub("", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def split_at_sentence_ends(text: str, *, loose: bool = False) -> list[str]:
    """`text` cut after each ".", "!" or "?" followed by spacing, nothing dropped or cleaned.

    Strictly, the next sentence must start with a capital or a digit (maybe after a quote or
    bracket), so "e.g. the" stays whole; `loose` cuts at every end mark, for the chunker, which
    only needs pieces small enough to pack.
    """
    return (_ANY_SENTENCE_END if loose else _SENTENCE_END).split(text)


def split_sentences(text: str) -> list[str]:
    """Sentences and lines of (Markdown or plain) text; a list item counts as a sentence."""
    out: list[str] = []
    for line in plain_text(text).splitlines():
        for sentence in split_at_sentence_ends(line):
            sentence = sentence.strip(" -*\t")
            if len(sentence) >= 3 and any(c.isalnum() for c in sentence):
                out.append(sentence)
    return out


def clip(text: str, limit: int, ellipsis: str = "…", *, flatten: bool = True) -> str:
    """`text` in at most `limit` characters, cut at a word (never mid-word), ending in `ellipsis`.

    `flatten` collapses all spacing to single spaces first; without it line breaks are kept,
    for Markdown whose layout matters (a source quoted into a prompt).
    """
    text = _SPACE.sub(" ", text).strip() if flatten else text.strip()
    if len(text) <= limit:
        return text
    room = max(limit - len(ellipsis), 1)
    last_space = _LAST_SPACE.search(text[: room + 1])
    cut = text[: last_space.start()] if last_space else text[:room]
    return cut.rstrip(" \t\n,;:-—") + ellipsis


def clip_words(text: str, limit: int) -> str:
    """`text` in at most `limit` words, ending in "…" when cut (spacing kept when it fits)."""
    words = text.split()
    if len(words) <= limit:
        return text.strip()
    return " ".join(words[:limit]).rstrip(",;:") + "…"


def short_label(text: str, words: int = 6) -> str:
    """A name for a passage: its first `words` words on one line, "…" when there were more."""
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """A word's Snowball stem ("scoring" and "score" -> "score", "nightly" -> "night"), so two forms of one
    word match where cutting both at a fixed length would not."""
    return _stemmer().stemWord(word.lower().strip("'’"))
