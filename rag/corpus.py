"""Markdown files -> `Entry` records (one question and its answer each).

Headings and list items come from markdown-it-py's token stream rather than regexes on
raw lines, so a `#` inside a code block or an indented list never fools the splitter.

Two shapes are understood:

* a Q&A document (the founding file): `## Section` headings over `### N. Question (Big Tech)`
  headings, a table of contents, a References list that `(Source: ...)` lines resolve
  against, HTML badges and a footer. Badges, TOC, footer and the guide's own "who is this
  for" notes are not content; the introduction's "What is MLOps?" is one unnumbered entry.
* any other Markdown (a user's notes): every heading with text under it is an entry,
  its section the nearest higher heading (or the file name).

A file that cannot be read (not UTF-8, empty, too large) is reported as a `CorpusProblem`
and skipped, so one bad file never stops the rest of the corpus from being indexed. A file
that is readable but suspicious is indexed and reported too: active HTML blocks (`<script>`,
`<style>`, `<iframe>`...) are dropped as not content, and text that reads like orders to an
AI ("ignore previous instructions") is kept as source text (prompts quote it as data), but
named so its owner can look.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt

from rag.errors import UserFacingError

MAX_FILE_BYTES = 2_000_000

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

_markdown = MarkdownIt("commonmark")


@dataclass(frozen=True)
class Origin:
    """Where an answer came from, as the References list names it."""

    name: str
    title: str | None = None
    url: str | None = None


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


@dataclass(frozen=True)
class Entry:
    source_id: str
    question_number: int | None
    title: str
    section: str
    big_tech: bool
    answer: str
    key_points: tuple[str, ...] = ()
    key_point_texts: tuple[str, ...] = ()
    origins: tuple[Origin, ...] = ()
    path: str = ""
    items: tuple[ListItem, ...] | None = None  # None: parsed from `answer` (a hand-built Entry)

    def __post_init__(self) -> None:
        if self.items is None:
            object.__setattr__(self, "items", list_items(self.answer))

    @property
    def label(self) -> str:
        """How the UI and the CLI name an entry: 'Q8 · title' or just the title."""
        return f"Q{self.question_number} · {self.title}" if self.question_number else self.title


@dataclass(frozen=True)
class CorpusProblem:
    path: str
    reason: str
    skipped: bool = True  # False: the file was indexed and `reason` says what to look at

    def __str__(self) -> str:
        return f"{Path(self.path).name}: {self.reason}"

    @property
    def message(self) -> str:
        """One line for a warning: 'skipped big.md: too large ...' or 'evil.md: indexed, but ...'."""
        return f"skipped {self}" if self.skipped else str(self)


@dataclass
class Corpus:
    entries: list[Entry] = field(default_factory=list)
    problems: list[CorpusProblem] = field(default_factory=list)

    def by_id(self) -> dict[str, Entry]:
        return {e.source_id: e for e in self.entries}

    @property
    def sections(self) -> list[str]:
        return list(dict.fromkeys(e.section for e in self.entries))


@dataclass
class _Block:
    level: int
    heading: str
    start: int  # first body line
    end: int  # one past the last body line
    parent_titles: list[str]


def load_corpus(corpus_dir: Path) -> Corpus:
    """Parse every `*.md` under `corpus_dir` (sorted, so ids and order are stable)."""
    corpus = Corpus()
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        corpus.problems.append(CorpusProblem(str(corpus_dir), "corpus directory not found"))
        return corpus
    for path in sorted(corpus_dir.rglob("*.md")):
        try:
            text = read_markdown(path)
            entries = parse_markdown(text, path)
        except CorpusFileError as exc:
            corpus.problems.append(CorpusProblem(str(path), str(exc)))
            continue
        if not entries:
            corpus.problems.append(CorpusProblem(str(path), "no text to index"))
            continue
        corpus.entries.extend(entries)
        corpus.problems.extend(CorpusProblem(str(path), warning, skipped=False) for warning in content_warnings(text))
    _dedupe_ids(corpus.entries)
    return corpus


class CorpusFileError(UserFacingError, ValueError):
    """A corpus file or folder that cannot be read; the message names it."""


def read_markdown(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise CorpusFileError(
            f"too large ({size / 1e6:.1f} MB, limit {MAX_FILE_BYTES / 1e6:.0f} MB); split it into smaller files"
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusFileError(f"not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    text = text.replace("\x00", "")
    if not text.strip():
        raise CorpusFileError("empty file")
    return text


def content_warnings(text: str) -> list[str]:
    """What a reader of this file should know: active HTML dropped, instructions aimed at an AI."""
    warnings = []
    active = [t for t in _parse_tokens(text) if t.type == "html_block" and _ACTIVE_HTML.search(t.content)]
    if active:
        tags = sorted({_ACTIVE_HTML.search(t.content).group(1).lower() for t in active})
        warnings.append(
            f"indexed without {len(active)} active HTML block(s) ({', '.join('<' + t + '>' for t in tags)}): not content"
        )
    injection = _INSTRUCTIONS_TO_AI.search(text)
    if injection:
        warnings.append(
            f"indexed, but it holds text aimed at an AI ({injection.group(0)!r}); "
            "it is only ever given to a model as quoted source data"
        )
    return warnings


@lru_cache(maxsize=64)
def _parse_tokens(text: str) -> tuple:
    """markdown-it tokens, parsed once per process per file content.

    An index-status check, the retriever and the app each load the corpus; markdown-it
    takes ~0.2 s on the founding file, which a new process would otherwise pay several times.
    """
    return tuple(_markdown.parse(text))


def parse_markdown(text: str, path: Path) -> list[Entry]:
    return list(_parse_entries(text, str(path)))


@lru_cache(maxsize=64)
def _parse_entries(text: str, path_text: str) -> tuple[Entry, ...]:
    path = Path(path_text)
    return tuple(_entries_of(text, path))


def _entries_of(text: str, path: Path) -> list[Entry]:
    lines = text.splitlines()
    tokens = _parse_tokens(text)
    dropped = _markup_only_lines(tokens)
    blocks = _heading_blocks(tokens, len(lines))
    stem = path.stem
    references = _references(blocks, lines)
    if any(_NUMBERED.match(b.heading) for b in blocks):
        return _qa_entries(blocks, tokens, lines, dropped, references, path)
    return _note_entries(blocks, tokens, lines, dropped, stem, path)


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
    walked = _walk_list_items(tokens, block.start, block.end)
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


def list_items(markdown: str) -> tuple[ListItem, ...]:
    """The list items of a Markdown text (an answer), nested and numbered as written."""
    return tuple(item for item, _ in _walk_list_items(_parse_tokens(markdown), 0, None))


def _walk_list_items(tokens, first_line: int, end_line: int | None) -> list[tuple[ListItem, tuple[int, int]]]:
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


def _key_points(walked, lines, block) -> tuple[list[str], list[str]]:
    """Bold lead phrases of list items ("**Monitoring:** ...") and each item's full text (sub-items included)."""
    labels: list[str] = []
    texts: list[str] = []
    for item, (start, end) in walked:
        label = item.label
        if not label or label.lower() in {known.lower() for known in labels}:
            continue
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


def _dedupe_ids(entries: list[Entry]) -> None:
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        n = seen.get(entry.source_id, 0)
        seen[entry.source_id] = n + 1
        if n:
            entries[i] = Entry(**{**entry.__dict__, "source_id": f"{entry.source_id}-{n + 1}"})
