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

Only safe files are read (`corpus_files`): regular `.md` files inside the corpus folder,
opened without blocking (a FIFO named `x.md` never hangs a command). A link is followed
only when it stays inside the folder; dotfiles and dot-folders, files whose name or
content looks like secrets (`.env`, `KEY=value` lines, private keys), names that are not
valid UTF-8 or hold control characters, broken links, link loops, pipes and devices are
skipped, and each is named in `Corpus.problems` (names escaped, so a newline in a file
name cannot forge a log line).

Ids are unique per path and stable: `stem#q8` for a file at the top of the corpus (the
founding file's ids never move), `folder/stem#q8` below it. Only a curated file (one
with a study bank beside it, or the founding file) gets question numbers and the Big Tech
badge: a note headed `### 8. ... (Big Tech)` is a note titled that way, not "Q8".
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
import stat
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt

from rag.errors import UserFacingError

MAX_FILE_BYTES = 2_000_000
FOUNDING_FILE = "mlops-interview-questions.md"  # curated even before its study bank lands
STUDY_BANK_SUFFIXES = (".study.yaml", ".study.yml", ".study.json")

_SECRET_NAME = re.compile(
    r"(?:^|[._\-\s])(?:secrets?|credentials?|passwords?|passwd|api[_\-\s]?keys?|private[_\-\s]?key|id_rsa|dotenv)"
    r"(?:[._\-\s]|$)",
    re.IGNORECASE,
)
# An environment-style assignment of a real-looking value, a private key block, a provider key, URL credentials.
_SECRET_LINE = re.compile(
    r"^[ \t]*(?:export[ \t]+)?[A-Z_][A-Z0-9_]*(?:KEY|SECRET|TOKEN|PASSWORD|PASSWD|PWD|CREDENTIALS?)[A-Z0-9_]*"
    r"[ \t]*=[ \t]*['\"]?(?![$<{]|your|xxx|\.\.\.|changeme|example|placeholder|none\b|null\b)[^\s'\"#]{6,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|\b(?:sk|rk)-[A-Za-z0-9_\-]{20,}"
    r"|://[^/\s:@]{1,64}:[^/\s@]{3,64}@",
    re.MULTILINE,
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

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
    curated: bool = True  # False: a user's note (no question number, no badge, labelled as a note)

    def __post_init__(self) -> None:
        if self.items is None:
            object.__setattr__(self, "items", list_items(self.answer))

    @property
    def label(self) -> str:
        """How the UI and the CLI name an entry: 'Q8 · title', the title, or 'Note · title' for a user's note."""
        if self.question_number:
            return f"Q{self.question_number} · {self.title}"
        return self.title if self.curated else f"Note · {self.title}"


@dataclass(frozen=True)
class CorpusProblem:
    path: str
    reason: str
    skipped: bool = True  # False: the file was indexed and `reason` says what to look at

    def __str__(self) -> str:
        return f"{printable_name(Path(self.path).name)}: {self.reason}"

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


def load_corpus(corpus_dir: Path, cache_dir: Path | None = None) -> Corpus:
    """Parse every safe `*.md` under `corpus_dir` (sorted, so ids and order are stable).

    With `cache_dir`, what each file parsed to is kept with its size and mtime
    (`corpus-cache.json`): an unchanged file is not read again by the next process, so a
    large corpus costs a `stat` per file on every command, not a parse.
    """
    corpus = Corpus()
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        corpus.problems.append(CorpusProblem(str(corpus_dir), "corpus directory not found"))
        return corpus
    paths, corpus.problems = corpus_files(corpus_dir)
    cache = _ParseCache(cache_dir)
    for path in paths:
        prefix, curated = source_prefix(path, corpus_dir), is_curated(path, corpus_dir)
        cached = cache.unchanged(path, prefix, curated)
        if cached is None:
            try:
                text = read_markdown(path)
            except CorpusFileError as exc:
                corpus.problems.append(CorpusProblem(str(path), str(exc)))
                continue
            cached = cache.same_text(path, prefix, curated, text)
            if cached is None:
                entries = parse_markdown(text, path, prefix, curated)
                cached = entries, content_warnings(text) if entries else []
                cache.put(path, prefix, curated, text, *cached)
        entries, warnings = cached
        if not entries:
            corpus.problems.append(CorpusProblem(str(path), "no text to index"))
            continue
        corpus.entries.extend(entries)
        corpus.problems.extend(CorpusProblem(str(path), warning, skipped=False) for warning in warnings)
    cache.save(paths)
    _dedupe_ids(corpus.entries)
    return corpus


class _ParseCache:
    """What each file parsed to, with its size, mtime and content hash.

    A file whose size and mtime match, and whose mtime is older than the moment it was
    recorded by more than a clock tick (so a write in the same tick cannot hide), is not
    read at all; otherwise it is read and its hash compared, and only a changed text is
    parsed again. The id prefix and curation are part of the key.
    """

    VERSION = 2
    RACY_NS = 2_000_000_000

    def __init__(self, cache_dir: Path | None):
        self.path = Path(cache_dir) / "corpus-cache.json" if cache_dir else None
        self.files: dict = {}
        self.changed = False
        if self.path is None:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") == self.VERSION:
                self.files = data.get("files") or {}
        except (OSError, ValueError, AttributeError):
            self.files = {}

    def _record(self, path: Path, prefix: str, curated: bool) -> dict | None:
        record = self.files.get(str(path)) if self.path else None
        if not record or record.get("prefix") != prefix or record.get("curated") != curated:
            return None
        return record

    def unchanged(self, path: Path, prefix: str, curated: bool):
        record = self._record(path, prefix, curated)
        if record is None:
            return None
        try:
            info = os.stat(path)
        except OSError:
            return None
        trusted = (
            record.get("size") == info.st_size
            and record.get("mtime_ns") == info.st_mtime_ns
            and info.st_mtime_ns < record.get("recorded_ns", 0) - self.RACY_NS
        )
        return self._entries(record) if trusted else None

    def same_text(self, path: Path, prefix: str, curated: bool, text: str):
        record = self._record(path, prefix, curated)
        if record is None or record.get("sha256") != _sha256(text):
            return None
        found = self._entries(record)
        if found is not None:
            self._stamp(path, record)
        return found

    def put(self, path: Path, prefix: str, curated: bool, text: str, entries: list[Entry], warnings: list[str]) -> None:
        if self.path is None:
            return
        record = {
            "prefix": prefix,
            "curated": curated,
            "sha256": _sha256(text),
            "entries": [asdict(e) for e in entries],
            "warnings": list(warnings),
        }
        self.files[str(path)] = record
        self._stamp(path, record)

    def _stamp(self, path: Path, record: dict) -> None:
        try:
            info = os.stat(path)
        except OSError:
            return
        record.update(size=info.st_size, mtime_ns=info.st_mtime_ns, recorded_ns=time.time_ns())
        self.changed = True

    @staticmethod
    def _entries(record: dict):
        try:
            return [_entry_from_json(e) for e in record["entries"]], list(record["warnings"])
        except (KeyError, TypeError, ValueError):
            return None

    def save(self, paths: list[Path]) -> None:
        if self.path is None:
            return
        present = {str(p) for p in paths}
        stale = [name for name in self.files if name not in present]
        for name in stale:
            del self.files[name]
        if not (self.changed or stale):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps({"version": self.VERSION, "files": self.files}), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError:
            pass  # a read-only or full data folder: the next process parses again, nothing is lost


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _entry_from_json(data: dict) -> Entry:
    return Entry(
        **{
            **data,
            "key_points": tuple(data["key_points"]),
            "key_point_texts": tuple(data["key_point_texts"]),
            "origins": tuple(Origin(**o) for o in data["origins"]),
            "items": tuple(ListItem(**i) for i in data["items"]),
        }
    )


def printable_name(name: str) -> str:
    """A file name safe to print on one line: control characters and undecodable bytes escaped."""
    name = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), name)


def corpus_files(corpus_dir: Path) -> tuple[list[Path], list[CorpusProblem]]:
    """The `.md` files safe to read under `corpus_dir`, sorted, and a problem for each one skipped.

    Walks without following links to folders; a link to a file is used only when it
    resolves to a regular file inside the corpus folder.
    """
    corpus_dir = Path(corpus_dir)
    root = corpus_dir.resolve()
    found: list[Path] = []
    problems: list[CorpusProblem] = []
    for dirpath, dirnames, filenames in os.walk(corpus_dir, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
            if not name.endswith(".md"):
                continue
            path = Path(dirpath) / name
            reason = _unsafe_file_reason(path, corpus_dir, root)
            if reason:
                problems.append(CorpusProblem(str(path), reason))
            else:
                found.append(path)
    found.sort(key=lambda p: p.relative_to(corpus_dir).parts)
    return found, problems


def _unsafe_file_reason(path: Path, corpus_dir: Path, root: Path) -> str | None:
    """Why `path` (found under `corpus_dir`, which resolves to `root`) must not be read, or None."""
    name = path.name
    try:
        str(path.relative_to(corpus_dir)).encode("utf-8")
    except UnicodeEncodeError:
        return "its name is not valid UTF-8; rename it"
    if _CONTROL.search(name):
        return "its name holds control characters; rename it"
    if name.startswith("."):
        return "a hidden file (names starting with a dot are never read)"
    if _SECRET_NAME.search(path.stem):
        return "its name looks like a secrets file; it is never read"
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            real = Path(os.path.realpath(path))
            try:
                info = os.stat(path)
            except FileNotFoundError:
                return "a broken link (its target does not exist)"
            except OSError as exc:
                return f"a link that cannot be followed ({exc.strerror or 'loop'})"
            if not real.is_relative_to(root):
                return "a link to a file outside the corpus folder (not followed)"
            if real.name.startswith(".") or _SECRET_NAME.search(real.stem):
                return "a link to a hidden or secrets-looking file (not followed)"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or type(exc).__name__})"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a pipe, device or folder)"
    return None


def source_prefix(path: Path, root: Path | None) -> str:
    """The id prefix of a file: its stem at the top of the corpus, `folder/stem` below it."""
    if root is None or not Path(path).is_relative_to(root):
        return Path(path).stem
    return Path(path).relative_to(root).with_suffix("").as_posix()


def is_curated(path: Path, root: Path | None) -> bool:
    """A curated file: a study bank sits beside it, or it is the founding file at the top of the corpus."""
    if any(path.with_name(path.stem + suffix).is_file() for suffix in STUDY_BANK_SUFFIXES):
        return True
    return path.name == FOUNDING_FILE and (root is None or path.parent == root)


class CorpusFileError(UserFacingError, ValueError):
    """A corpus file or folder that cannot be read; the message names it."""


def read_markdown(path: Path) -> str:
    """A file's text, read without blocking (a FIFO fails at once) and never past the size limit."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise CorpusFileError(f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CorpusFileError("not a regular file (a pipe, device or folder)")
        if info.st_size > MAX_FILE_BYTES:
            raise CorpusFileError(
                f"too large ({info.st_size / 1e6:.1f} MB, limit {MAX_FILE_BYTES / 1e6:.0f} MB); "
                "split it into smaller files"
            )
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise CorpusFileError(f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:
        raise CorpusFileError(f"too large (over {MAX_FILE_BYTES / 1e6:.0f} MB); split it into smaller files")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusFileError(f"not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    text = text.replace("\x00", "")
    if not text.strip():
        raise CorpusFileError("empty file")
    if _SECRET_LINE.search(text):
        raise CorpusFileError("it looks like a secrets file (a key, password or credentials in it); never indexed")
    return text


def content_warnings(text: str) -> list[str]:
    """What a reader of this file should know: active HTML dropped, instructions aimed at an AI."""
    warnings = []
    active = [t for t in _parse_tokens(text) if t.type == "html_block" and _ACTIVE_HTML.search(t.content)]
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


@lru_cache(maxsize=64)
def _parse_tokens(text: str) -> tuple:
    """markdown-it tokens, parsed once per process per file content.

    An index-status check, the retriever and the app each load the corpus; markdown-it
    takes ~0.2 s on the founding file, which a new process would otherwise pay several times.
    """
    return tuple(_markdown.parse(text))


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
    tokens = _parse_tokens(text)
    dropped = _markup_only_lines(tokens)
    blocks = _heading_blocks(tokens, len(lines))
    stem = path.stem
    references = _references(blocks, lines)
    walked = _ItemIndex(_walk_list_items(tokens, 0, None))  # one walk of the file's lists, not one per heading
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


def _dedupe_ids(entries: list[Entry]) -> None:
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        n = seen.get(entry.source_id, 0)
        seen[entry.source_id] = n + 1
        if n:
            entries[i] = Entry(**{**entry.__dict__, "source_id": f"{entry.source_id}-{n + 1}"})
