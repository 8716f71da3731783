"""Which corpus files are safe to read, and reading one.

Only regular `.md` files inside the corpus folder are read, opened without blocking (a
FIFO named `x.md` never hangs a command). A link is followed only when it stays inside
the folder; dotfiles and dot-folders, files whose name or content looks like secrets
(`.env`, `KEY=value` lines, private keys), names that are not valid UTF-8 or hold
control characters, broken links, link loops, pipes and devices are skipped, and each is
named as a `CorpusProblem` (names escaped, so a newline in a file name cannot forge a log
line). A file that cannot be read (not UTF-8, empty, too large) raises `CorpusFileError`.

Which files are curated (numbered, with the Big Tech badge) and the id prefix of a file
are decided here too, from where the file sits.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

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


def corpus_signature(corpus_dir: Path) -> tuple:
    """What the corpus folder holds, cheaply: each safe `.md` file and the study bank beside it,
    with size and mtime. Equal signatures mean nothing to re-read; costs a walk and a `stat` per file.

    A process that keeps a parsed corpus (the app) compares it with the last one to notice
    files another process added, changed or removed (`python -m rag index`, an editor).
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        return ()
    paths, _ = corpus_files(corpus_dir)
    banks = [bank for path in paths for bank in (path.with_name(path.stem + s) for s in STUDY_BANK_SUFFIXES)]
    signature = []
    for path in paths + [bank for bank in banks if bank.is_file()]:
        try:
            info = os.stat(path)
        except OSError:
            continue
        signature.append((str(path.relative_to(corpus_dir)), info.st_size, info.st_mtime_ns))
    return tuple(sorted(signature))
