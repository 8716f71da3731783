"""What a good answer to an entry must cover: its rubric points, each with a label and text.

The quiz draws right answers and wrong options from these points and the grader compares a
reply with them, so both agree on what "the key points" of an entry are.

* An entry with bold-labelled list items has one point per *top-level* item: a nested item
  ("Retraining" under "Action/Mitigation") is part of its parent, not a point of its own,
  so an answer is not asked for both the parent and every child.
* An entry without key points (the introduction, Q25) has one point per block of its answer
  (a paragraph, or a bold heading with its list), or per sentence when it is one paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.corpus import Entry

MAX_POINT_CHARS = 1200

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_INLINE_MARKUP = re.compile(r"\*\*|__|`|(?<!\w)\*(?!\s)|(?<!\s)\*(?!\w)")
_BOLD_LEAD = re.compile(r"^\s*\*\*(?P<label>[^*]+?):?\*\*:?\s*")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


@dataclass(frozen=True)
class Point:
    """One thing an answer should cover: a short label and the source text behind it."""

    label: str
    text: str  # plain text (markup removed), label first

    @property
    def sentences(self) -> list[str]:
        return split_sentences(self.text)


def rubric_points(entry: Entry) -> list[Point]:
    if entry.key_points:
        return _key_point_rubric(entry)
    return _block_rubric(entry)


def plain_text(markdown: str) -> str:
    """Markdown -> plain text good enough for embedding and showing in a prompt."""
    text = _LINK.sub(r"\1", markdown)
    lines = [_LIST_MARKER.sub("", line) for line in text.splitlines()]
    text = "\n".join(lines)
    text = re.sub(r"\s+\*\s+(?=\*\*)", " ", text)  # nested list markers flattened into one line
    text = _INLINE_MARKUP.sub("", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def split_sentences(text: str) -> list[str]:
    """Sentences and lines of plain text (list items count as sentences)."""
    out: list[str] = []
    for line in plain_text(text).splitlines():
        for sentence in _SENTENCE_END.split(line):
            sentence = sentence.strip(" -*\t")
            if len(sentence) >= 3 and any(c.isalnum() for c in sentence):
                out.append(sentence)
    return out


def _key_point_rubric(entry: Entry) -> list[Point]:
    texts = [_flatten(t) for t in entry.key_point_texts]
    points: list[Point] = []
    for i, (label, text) in enumerate(zip(entry.key_points, texts)):
        nested = any(j != i and len(other) > len(text) and text in other for j, other in enumerate(texts))
        if nested:
            continue
        points.append(Point(label=label, text=plain_text(text)[:MAX_POINT_CHARS]))
    return points or [Point(label, plain_text(t)[:MAX_POINT_CHARS]) for label, t in zip(entry.key_points, texts)]


def _flatten(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _block_rubric(entry: Entry) -> list[Point]:
    blocks = _blocks(entry.answer)
    if len(blocks) < 2:
        sentences = split_sentences(entry.answer)
        return [Point(label=_short_label(s), text=s) for s in sentences] or [Point(entry.title, entry.title)]
    points = []
    for block in blocks:
        lead = _BOLD_LEAD.match(block)
        label = lead.group("label").strip() if lead else _short_label(plain_text(block))
        points.append(Point(label=label, text=plain_text(block)[:MAX_POINT_CHARS]))
    return points


def _blocks(markdown: str) -> list[str]:
    """Paragraphs; a paragraph that is only a bold heading is joined to the list after it."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", markdown) if p.strip()]
    blocks: list[str] = []
    carry = ""
    for paragraph in paragraphs:
        if re.fullmatch(r"\*\*[^*]+\*\*:?", paragraph):
            carry = paragraph
            continue
        blocks.append(f"{carry}\n{paragraph}" if carry else paragraph)
        carry = ""
    if carry:
        blocks.append(carry)
    return blocks


def _short_label(sentence: str, words: int = 8) -> str:
    parts = sentence.split()
    label = " ".join(parts[:words])
    return label + ("…" if len(parts) > words else "")
