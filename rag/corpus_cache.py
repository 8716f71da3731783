"""The corpus parse cache: what each file parsed to, kept between processes (`corpus-cache.json`)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict
from pathlib import Path

from rag.entry import Entry, Origin
from rag.markdown_lists import ListItem


class ParseCache:
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
