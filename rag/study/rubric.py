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

from rag.entry import Entry
from rag.markdown_lists import ListItem
from rag.text import plain_text, short_label, split_sentences

__all__ = ["Point", "rubric_points", "key_points_of", "plain_text", "split_sentences"]

MAX_POINT_CHARS = 1200

_BOLD_LEAD = re.compile(r"^\s*\*\*(?P<label>[^*]+?):?\*\*:?\s*")


@dataclass(frozen=True)
class Point:
    """One thing an answer should cover: the one `Point` of the project.

    `text` is what a reply is compared with (plain, label first, sub-items included);
    `markdown` and `nested` keep the source's own words and nesting for quoting it;
    `index` is the point's position in `entry.key_points` (-1 for a point that is a block
    of an answer without key points); `children` are key points nested under it;
    `paraphrases` are other wordings of its content (from the study bank), compared too.
    """

    label: str
    text: str
    markdown: str = ""
    nested: tuple[tuple[int, str], ...] = ()
    index: int = -1
    children: tuple[int, ...] = ()
    paraphrases: tuple[str, ...] = ()

    @property
    def sentences(self) -> list[str]:
        return split_sentences(self.text)


def rubric_points(entry: Entry) -> list[Point]:
    if entry.key_points:
        return key_points_of(entry) or _key_point_texts_rubric(entry)
    return _block_rubric(entry)


def key_points_of(entry: Entry, top_level_only: bool = False) -> list[Point]:
    """One point per list item led by a key point's bold label, its sub-items inside it.

    A labelled item under another labelled item ("Retraining" under "Action/Mitigation")
    is part of its parent, not a point of its own, so an answer is not asked for both.
    `top_level_only`: only items of the answer's outermost lists count (the composer's view).
    """
    items = entry.items or ()
    index_of = {label.lower(): i for i, label in enumerate(entry.key_points)}
    points: list[Point] = []
    taken: set[int] = set()
    for i, item in enumerate(items):
        key = index_of.get(item.label.lower()) if item.label else None
        if key is None or key in taken:
            continue
        if top_level_only and item.depth > 0:
            continue
        if _ancestor_is_key_point(items, i, index_of):
            continue
        taken.add(key)
        below = _descendants(items, i)
        nested = tuple((items[j].depth - item.depth, items[j].text) for j in below)
        children = tuple(
            dict.fromkeys(
                index_of[items[j].label.lower()]
                for j in below
                if items[j].label and items[j].label.lower() in index_of and index_of[items[j].label.lower()] != key
            )
        )
        text = plain_text(" ".join([item.text, *(t for _, t in nested)]))[:MAX_POINT_CHARS]
        points.append(Point(entry.key_points[key], text, item.text, nested, key, children))
    top = {p.index for p in points}
    return [
        Point(p.label, p.text, p.markdown, p.nested, p.index, tuple(c for c in p.children if c not in top))
        for p in points
    ]


def _ancestor_is_key_point(items: tuple[ListItem, ...], i: int, index_of: dict[str, int]) -> bool:
    parent = items[i].parent
    while parent is not None:
        if items[parent].label.lower() in index_of:
            return True
        parent = items[parent].parent
    return False


def _descendants(items: tuple[ListItem, ...], i: int) -> list[int]:
    out: list[int] = []
    inside = {i}
    for j in range(i + 1, len(items)):
        if items[j].parent in inside:
            inside.add(j)
            out.append(j)
    return out


def _key_point_texts_rubric(entry: Entry) -> list[Point]:
    """A hand-built entry whose key points are not list items of its answer."""
    return [
        Point(label, plain_text(_flatten(t))[:MAX_POINT_CHARS], t, index=i)
        for i, (label, t) in enumerate(zip(entry.key_points, entry.key_point_texts))
    ]


def _flatten(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _block_rubric(entry: Entry) -> list[Point]:
    blocks = _blocks(entry.answer)
    if len(blocks) < 2:
        sentences = split_sentences(entry.answer)
        return [Point(label=short_label(s, 8), text=s, markdown=s) for s in sentences] or [
            Point(entry.title, entry.title)
        ]
    points = []
    for block in blocks:
        lead = _BOLD_LEAD.match(block)
        label = lead.group("label").strip() if lead else short_label(plain_text(block), 8)
        points.append(Point(label=label, text=plain_text(block)[:MAX_POINT_CHARS], markdown=block))
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
