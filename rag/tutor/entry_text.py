"""The parts of an entry an offline answer quotes: its key points (or blocks), lead, summary, steps.

Read from the entry's text and its parsed list items; nothing is embedded or ranked here.
"""

from __future__ import annotations

import re

from rag.entry import Entry
from rag.study.rubric import Point, key_points_of
from rag.text import LIST_MARKER, clip, clip_words, plain_text, short_label, split_at_sentence_ends

BOLD_MARKS = re.compile(r"\*\*|__")
_SPACES = re.compile(r"\s+")
LEAD_CHARS = 420  # a lead longer than this is cut at a word
POINT_WORDS = 24  # words of a point's line


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
        if LIST_MARKER.match(line) or (not line.strip() and paragraph):
            break
        if line.strip():
            paragraph.append(line.strip())
    text = " ".join(paragraph)
    if entry.key_points and text.startswith("**") and text.rstrip(":*").count("**") <= 2 and len(text) < 80:
        return ""  # a bold sub-heading, not a lead
    sentences = split_at_sentence_ends(text)
    return clip(" ".join(sentences[:2]), LEAD_CHARS)


def summary_of(entry: Entry) -> str:
    """The entry's closing paragraph when it follows the answer's list (its summary), else ""."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", entry.answer) if p.strip()]
    if len(paragraphs) < 2 or not entry.items or LIST_MARKER.match(paragraphs[-1]):
        return ""
    if not any(LIST_MARKER.match(p) for p in paragraphs[:-1]):
        return ""
    return _SPACES.sub(" ", paragraphs[-1])


def point_line(point: Point, words: int = POINT_WORDS) -> str:
    """A point as one line: its bold label and the first sentences of what the source says about
    it (its sub-items too when they are all it says), up to `words` words."""
    markdown = point.markdown or point.text
    lead = re.match(r"\s*\*\*(.+?)\*\*:?\s*(.*)", markdown, re.DOTALL)
    rest = lead.group(2) if lead else markdown
    pieces = split_at_sentence_ends(first_sentences(rest, 3)) + [
        first_sentences(plain_text(text), 1) for _, text in point.nested
    ]
    sentence = ""
    for piece in (p.strip() for p in pieces if p.strip()):
        if sentence and count_words(sentence) + count_words(piece) > words:
            break
        sentence = f"{sentence} {piece}".strip()
    sentence = clip_words(sentence, words)
    label = point.label.rstrip(":")
    return f"**{label}:** {sentence}" if sentence else f"**{label}**"


def step_numbers(entry: Entry) -> dict[int, int]:
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


def count_words(text: str) -> int:
    return len(text.split())


def plain_answer(entry: Entry, marker: int, limit: int) -> str:
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


def first_sentences(text: str, n: int) -> str:
    flat = _SPACES.sub(" ", BOLD_MARKS.sub("", text)).strip()
    return " ".join(split_at_sentence_ends(flat)[:n])


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
        label = _bold_label(block) or short_label(BOLD_MARKS.sub("", block))
        result.append(Point(label, plain_text(block), block, index=-1 - i))
    return result
