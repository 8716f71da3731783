"""One Markdown file -> `Entry` records (one question and its answer each).

Headings come from markdown-it-py's token stream rather than regexes on raw lines, so a
`#` inside a code block or an indented list never fools the splitter.

Two shapes are understood:

* a Q&A document (the founding file): `## Section` headings over `### N. Question (Big Tech)`
  headings, a table of contents, a References list that `(Source: ...)` lines resolve
  against, HTML badges and a footer. Badges, TOC, footer and the guide's own "who is this
  for" notes are not content; the introduction's "What is MLOps?" is one unnumbered entry.
* any other Markdown (a user's notes): every heading with text under it is an entry,
  its section the nearest higher heading (or the file name).

A readable but suspicious file is parsed and reported (`content_warnings`): active HTML
blocks (`<script>`, `<style>`, `<iframe>`...) are dropped as not content, and text that
reads like orders to an AI ("ignore previous instructions") is kept as source text
(prompts quote it as data), but named so its owner can look.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rag.entry import Entry, Origin
from rag.markdown_lists import ListItem, parse_tokens, walk_list_items

_NUMBERED = re.compile(r"^(\d+)[.)]\s+(.*)$")
_BIG_TECH = re.compile(r"\s*\(Big Tech\)\s*$", re.IGNORECASE)
_SOURCE_LINE = re.compile(r"^\s*\*?\(Source:\s*(?P<names>[^)]*)\)\*?\s*$", re.IGNORECASE | re.MULTILINE)
_ANSWER_LEAD = re.compile(r"^\s*\*\*Answer:\*\*\s*", re.IGNORECASE)
_REFERENCE = re.compile(r"^\s*\d+\.\s+(?P<name>[^-\[]+?)\s+-\s+\[(?P<title>[^\]]+)\]\((?P<url>[^)]+)\)")
_TAG = re.compile(r"<[^>]+>")
_NOT_CONTENT_HEADINGS = re.compile(r"^(table of contents|contents|toc)$", re.IGNORECASE)
_REFERENCES_HEADING = re.compile(r"^(references|sources|bibliography)$", re.IGNORECASE)
_ACTIVE_HTML = re.compile(r"<\s*(script|style|iframe|object|embed|form)\b", re.IGNORECASE)
_INSTRUCTIONS_TO_AI = re.compile(
    r"\b(ignore|disregard|forget|override)\s+(all\s+|any\s+)?(the\s+|your\s+)?"
    r"(previous|prior|above|earlier|preceding|system)\s+(instructions|prompts?|rules|messages)",
    re.IGNORECASE,
)


@dataclass
class _Block:
    level: int
    heading: str
    start: int  # first body line
    end: int  # one past the last body line
    parent_titles: list[str]


def content_warnings(text: str) -> list[str]:
    """What a reader of this file should know: active HTML dropped, instructions aimed at an AI."""
    warnings = []
    active = [t for t in parse_tokens(text) if t.type == "html_block" and _ACTIVE_HTML.search(t.content)]
    if active:
        tags = sorted({_ACTIVE_HTML.search(t.content).group(1).lower() for t in active})
        warnings.append(
            f"indexed without {len(active)} active HTML block(s) "
            f"({', '.join('<' + t + '>' for t in tags)}): not content"
        )
    injection = _INSTRUCTIONS_TO_AI.search(text)
    if injection:
        warnings.append(
            f"indexed, but it holds text aimed at an AI ({injection.group(0)!r}); "
            "it is only ever given to a model as quoted source data"
        )
    return warnings


def parse_markdown(text: str, path: Path, prefix: str | None = None, curated: bool = True) -> list[Entry]:
    """Entries of one file; ids start with `prefix` (default: the file's stem)."""
    return list(_parse_entries(text, str(path), prefix or Path(path).stem, curated))


@lru_cache(maxsize=64)
def _parse_entries(text: str, path_text: str, prefix: str, curated: bool) -> tuple[Entry, ...]:
    path = Path(path_text)
    entries = _entries_of(text, path, curated)
    if prefix != path.stem:
        entries = [_with_prefix(e, path.stem, prefix) for e in entries]
    return tuple(entries)


def _with_prefix(entry: Entry, stem: str, prefix: str) -> Entry:
    return Entry(**{**entry.__dict__, "source_id": prefix + entry.source_id[len(stem) :]})


def _entries_of(text: str, path: Path, curated: bool = True) -> list[Entry]:
    lines = text.splitlines()
    tokens = parse_tokens(text)
    dropped = _markup_only_lines(tokens)
    blocks = _heading_blocks(tokens, len(lines))
    stem = path.stem
    references = _references(blocks, lines)
    walked = _ItemIndex(walk_list_items(tokens, 0, None))  # one walk of the file's lists, not one per heading
    if curated and any(_NUMBERED.match(b.heading) for b in blocks):
        return _qa_entries(blocks, walked, lines, dropped, references, path)
    entries = _note_entries(blocks, walked, lines, dropped, stem, path)
    if not curated:
        entries = [Entry(**{**e.__dict__, "big_tech": False, "curated": False}) for e in entries]
    return entries


class _ItemIndex:
    """Every list item of a file with its line span, sorted by first line, sliced per heading block."""

    def __init__(self, walked):
        self.walked = walked
        self.starts = [span[0] for _, span in walked]

    def between(self, first_line: int, end_line: int):
        """The items whose first line lies in [first_line, end_line), parents re-indexed within them."""
        lo = bisect.bisect_left(self.starts, first_line)
        hi = bisect.bisect_left(self.starts, end_line)
        out = []
        for item, span in self.walked[lo:hi]:
            parent = item.parent - lo if item.parent is not None and lo <= item.parent < hi else None
            out.append((ListItem(item.label, item.text, item.depth, item.ordered, parent), span))
        return out


def _qa_entries(blocks, tokens, lines, dropped, references, path) -> list[Entry]:
    entries: list[Entry] = []
    intro_taken = False
    numbered_seen = False
    for block in blocks:
        match = _NUMBERED.match(block.heading)
        section = _clean_heading(block.parent_titles[-1]) if block.parent_titles else path.stem
        if match:
            numbered_seen = True
            number = int(match.group(1))
            raw_title = match.group(2)
            entries.append(_make_entry(block, tokens, lines, dropped, references, path, raw_title, number, section))
        elif not numbered_seen and not intro_taken and block.level >= 3 and block.heading.endswith("?"):
            # The guide's introduction: only its definition is content, not "who is this for".
            intro_taken = True
            entries.append(_make_entry(block, tokens, lines, dropped, references, path, block.heading, None, section))
    return entries


def _note_entries(blocks, tokens, lines, dropped, stem, path) -> list[Entry]:
    entries: list[Entry] = []
    if not blocks:
        blocks = [
            _Block(level=1, heading=stem.replace("-", " ").replace("_", " "), start=0, end=len(lines), parent_titles=[])
        ]
    else:
        first_heading_line = blocks[0].start - 1
        if any(line.strip() for line in lines[:first_heading_line]):
            blocks.insert(0, _Block(1, stem.replace("-", " ").replace("_", " "), 0, first_heading_line, []))
    for block in blocks:
        if _NOT_CONTENT_HEADINGS.match(_clean_heading(block.heading)) or _REFERENCES_HEADING.match(
            _clean_heading(block.heading)
        ):
            continue
        section = _clean_heading(block.parent_titles[-1]) if block.parent_titles else stem
        entry = _make_entry(block, tokens, lines, dropped, {}, path, block.heading, None, section)
        if entry.answer.strip():
            entries.append(entry)
    return entries


def _make_entry(block, tokens, lines, dropped, references, path, raw_title, number, section) -> Entry:
    big_tech = bool(_BIG_TECH.search(raw_title))
    title = _BIG_TECH.sub("", raw_title).strip()
    body_lines = [lines[i] for i in range(block.start, block.end) if i not in dropped]
    body = "\n".join(body_lines).strip()
    origins: list[Origin] = []
    for m in _SOURCE_LINE.finditer(body):
        for name in m.group("names").split(","):
            name = name.strip()
            if name:
                origins.append(references.get(name.lower(), Origin(name)))
    body = _SOURCE_LINE.sub("", body)
    body = _ANSWER_LEAD.sub("", body).strip()
    body = re.sub(r"\n\s*-{3,}\s*$", "", body).strip()
    walked = tokens.between(block.start, block.end)
    labels, texts = _key_points(walked, lines, block)
    stem = path.stem
    source_id = f"{stem}#q{number}" if number is not None else f"{stem}#{_slug(title)}"
    return Entry(
        source_id=source_id,
        question_number=number,
        title=title,
        section=section,
        big_tech=big_tech,
        answer=body,
        key_points=tuple(labels),
        key_point_texts=tuple(texts),
        origins=tuple(dict.fromkeys(origins)),
        path=str(path),
        items=tuple(item for item, _ in walked),
    )


def _key_points(walked, lines, block) -> tuple[list[str], list[str]]:
    """Bold lead phrases of list items ("**Monitoring:** ...") and each item's full text (sub-items included)."""
    labels: list[str] = []
    texts: list[str] = []
    known: set[str] = set()
    for item, (start, end) in walked:
        label = item.label
        if not label or label.lower() in known:
            continue
        known.add(label.lower())
        item_text = " ".join(line.strip() for line in lines[start : min(end, block.end)] if line.strip())
        item_text = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", item_text)
        labels.append(label)
        texts.append(item_text)
    return labels, texts


def _markup_only_lines(tokens) -> set[int]:
    """Lines of HTML blocks that carry no words (badges, <br>), centre a footer or are active (<script>)."""
    dropped: set[int] = set()
    for tok in tokens:
        if tok.type == "html_block" and tok.map:
            text = _TAG.sub("", tok.content).strip()
            if not text or 'align="center"' in tok.content or _ACTIVE_HTML.search(tok.content):
                dropped.update(range(*tok.map))
        elif tok.type == "hr" and tok.map:
            dropped.update(range(*tok.map))
    return dropped


def _heading_blocks(tokens, n_lines: int) -> list[_Block]:
    heads: list[tuple[int, str, int]] = []  # (level, text, line)
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map:
            heads.append((int(tok.tag[1:]), tokens[i + 1].content.strip(), tok.map[0]))
    blocks: list[_Block] = []
    stack: list[tuple[int, str]] = []
    for idx, (level, text, line) in enumerate(heads):
        while stack and stack[-1][0] >= level:
            stack.pop()
        end = heads[idx + 1][2] if idx + 1 < len(heads) else n_lines
        # A document title (h1) is not a section when deeper headings sit under it.
        parents = [t for lvl, t in stack if lvl > 1] or [t for _, t in stack]
        blocks.append(_Block(level, text, line + 1, end, parents))
        stack.append((level, text))
    return [b for b in blocks if not _NOT_CONTENT_HEADINGS.match(_clean_heading(b.heading))]


def _references(blocks: list[_Block], lines: list[str]) -> dict[str, Origin]:
    refs: dict[str, Origin] = {}
    for block in blocks:
        if _REFERENCES_HEADING.match(_clean_heading(block.heading)):
            for line in lines[block.start : block.end]:
                m = _REFERENCE.match(line)
                if m:
                    name = m.group("name").strip()
                    refs[name.lower()] = Origin(name, m.group("title").strip(), m.group("url").strip())
    return refs


def _clean_heading(text: str) -> str:
    """Drop leading emoji and symbols: '📋 Introduction' -> 'Introduction'."""
    i = 0
    while i < len(text) and not (text[i].isalnum()):
        i += 1
    return text[i:].strip() or text.strip()


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "entry"
