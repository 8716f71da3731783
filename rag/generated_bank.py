"""Alternates and glossary terms written by the LLM for corpus files without a study bank."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from rag.corpus import Entry
from rag.study_bank import GlossaryTerm


@dataclass(frozen=True)
class GeneratedItems:
    alternates: tuple[str, ...] = ()
    glossary: tuple[GlossaryTerm, ...] = field(default_factory=tuple)


def entry_hash(entry: Entry) -> str:
    return hashlib.sha256(f"{entry.source_id}\n{entry.title}\n{entry.answer}".encode()).hexdigest()[:32]


class GeneratedBank:
    """A cache of generated items under the data dir, one JSON file per entry content hash."""

    def __init__(self, data_dir: Path):
        self.folder = Path(data_dir) / "generated"

    def path(self, entry: Entry) -> Path:
        return self.folder / f"{entry_hash(entry)}.json"

    def cached(self, entry: Entry) -> GeneratedItems | None:
        try:
            data = json.loads(self.path(entry).read_text(encoding="utf-8"))
            return GeneratedItems(
                tuple(str(a) for a in data.get("alternates", [])),
                tuple(GlossaryTerm.model_validate(t) for t in data.get("glossary", [])),
            )
        except (OSError, ValueError, TypeError, AttributeError):
            return None
