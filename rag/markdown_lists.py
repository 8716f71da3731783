"""Markdown lists, parsed once: an answer's list items with their nesting, label and line span.

Tokens come from markdown-it-py rather than regexes on raw lines, so a `-` inside a code
block never reads as an item. The token stream is cached per text: an index-status check,
the retriever and the app each load the corpus, and markdown-it takes ~0.2 s on the
founding file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark")


@dataclass(frozen=True)
class ListItem:
    """One item of a Markdown list in an answer, as the source nests it.

    The one parse of an answer's lists: the rubric, the offline composer and the grader
    read these instead of re-reading Markdown lines. `text` is the item's own Markdown
    (label first, marker and sub-items excluded, lines joined); `depth` is 0 for an item
    of a top-level list; `parent` is the index (in `Entry.items`) of the item it sits
    under, or None.
    """

    label: str  # the bold lead phrase ("Monitoring"), or "" when the item has none
    text: str
    depth: int = 0
    ordered: bool = False
    parent: int | None = None


@lru_cache(maxsize=64)
def parse_tokens(text: str) -> tuple:
    """markdown-it tokens, parsed once per process per file content.

    An index-status check, the retriever and the app each load the corpus; markdown-it
    takes ~0.2 s on the founding file, which a new process would otherwise pay several times.
    """
    return tuple(_markdown.parse(text))


def list_items(markdown: str) -> tuple[ListItem, ...]:
    """The list items of a Markdown text (an answer), nested and numbered as written."""
    return tuple(item for item, _ in walk_list_items(parse_tokens(markdown), 0, None))


def walk_list_items(tokens, first_line: int, end_line: int | None) -> list[tuple[ListItem, tuple[int, int]]]:
    """Every list item whose first line lies in [first_line, end_line), with its line span."""
    found: list[tuple[ListItem, tuple[int, int]]] = []
    lists: list[bool] = []  # open lists, innermost last: ordered?
    open_items: list[int | None] = []  # index in `found` of each open item (None: outside the range)
    parts: dict[int, list[str]] = {}
    labels: dict[int, str] = {}
    for tok in tokens:
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            lists.append(tok.type == "ordered_list_open")
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            if lists:
                lists.pop()
        elif tok.type == "list_item_open":
            start, end = tok.map or (-1, -1)
            inside = start >= first_line and (end_line is None or start < end_line)
            if not inside:
                open_items.append(None)
                continue
            parent = next((i for i in reversed(open_items) if i is not None), None)
            found.append((ListItem("", "", len(lists) - 1, bool(lists and lists[-1]), parent), (start, end)))
            open_items.append(len(found) - 1)
            parts[len(found) - 1] = []
        elif tok.type == "list_item_close":
            if open_items:
                open_items.pop()
        elif tok.type == "inline" and open_items and open_items[-1] is not None:
            index = open_items[-1]
            if not parts[index]:
                labels[index] = _bold_lead(tok.children or [])
            parts[index].append(" ".join(line.strip() for line in tok.content.splitlines() if line.strip()))
    out = []
    for index, (item, span) in enumerate(found):
        text = " ".join(p for p in parts[index] if p)
        out.append((ListItem(labels.get(index, ""), text, item.depth, item.ordered, item.parent), span))
    return out


def _bold_lead(children) -> str:
    """'**Monitoring:** ...' -> 'Monitoring'; '' when the item does not start in bold."""
    children = [c for c in children if not (c.type == "text" and not c.content.strip())]
    if not children or children[0].type != "strong_open":
        return ""
    bold = []
    for child in children[1:]:
        if child.type == "strong_close":
            break
        bold.append(child.content)
    return "".join(bold).strip().rstrip(":").strip()
