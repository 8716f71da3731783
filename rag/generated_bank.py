"""Alternates and glossary terms written by the LLM for corpus files without a study bank.

A user's own notes have no curated bank, so questions asked in other words (a scenario, an
acronym) miss them. With a model configured, `python -m rag index` asks it, once per entry,
for other ways to ask the entry's question and for the terms the entry explains. The reply
is validated (pydantic), cleaned and written to `<data_dir>/generated/<content hash>.json`;
an unchanged entry is read from there and never calls the model again. Reading the cache
(`GeneratedBank.cached`, used by `rag.alternates`) never needs a model, so offline indexing
and search are unchanged. A failed or invalid reply writes nothing: the entry is simply
indexed without generated items, and the next index run asks again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from rag.entry import Entry
from rag.study_bank import GlossaryTerm

log = logging.getLogger(__name__)

MAX_ALTERNATES = 12
MAX_TERMS = 8
MAX_ALTERNATE_CHARS = 300
MAX_TERM_CHARS = 80
GENERATION_MAX_TOKENS = 900


@dataclass(frozen=True)
class GeneratedItems:
    alternates: tuple[str, ...] = ()
    glossary: tuple[GlossaryTerm, ...] = field(default_factory=tuple)


class GeneratedTerm(BaseModel):
    term: str = Field(min_length=1)
    expansion: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)


class GeneratedReply(BaseModel):
    """What the model must return for one entry (`rag.prompts.generation_messages` asks for it)."""

    alternates: list[str] = Field(min_length=1)
    glossary: list[GeneratedTerm] = Field(default_factory=list)


@dataclass
class GenerationReport:
    generated: int = 0  # entries the model was asked about and answered validly
    cached: int = 0  # entries whose items were already on disk
    failed: int = 0  # entries asked about whose reply was unusable
    skipped: int = 0  # entries not asked because the model had already failed
    notice: str | None = None  # one line when the model failed (the index still completes)


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

    def store(self, entry: Entry, items: GeneratedItems) -> None:
        """Write atomically (a temp file renamed), so a reader never sees half a file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        doc = {
            "source_id": entry.source_id,
            "alternates": list(items.alternates),
            "glossary": [t.model_dump() for t in items.glossary],
        }
        target = self.path(entry)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temporary, target)


def entries_without_bank(entries: list[Entry]) -> list[Entry]:
    """Entries of corpus files that have no study bank file beside them (a user's notes)."""
    from rag.study_bank import bank_path_for

    has_bank: dict[str, bool] = {}
    for entry in entries:
        if entry.path not in has_bank:
            has_bank[entry.path] = bool(entry.path) and bank_path_for(Path(entry.path)) is not None
    return [e for e in entries if not has_bank[e.path]]


def generate_missing(
    entries: list[Entry], bank: GeneratedBank, llm, progress: bool = True, on_progress=None
) -> GenerationReport:
    """Ask the model for the items of every entry not cached yet; stop asking once it fails.

    A failing server would otherwise cost one deadline per entry: after the first failed call
    the rest are skipped (and asked again on the next index run).
    """
    from tqdm import tqdm

    from rag.llm import LLMError
    from rag.prompts import generation_messages

    report = GenerationReport()
    todo = []
    for entry in entries:
        if bank.cached(entry) is not None:
            report.cached += 1
        else:
            todo.append(entry)
    if not todo:
        return report
    with tqdm(total=len(todo), desc="writing alternates", unit="entry", disable=not progress, leave=False) as bar:
        for done, entry in enumerate(todo, start=1):
            try:
                reply = llm.complete_json(generation_messages(entry), GeneratedReply, max_tokens=GENERATION_MAX_TOKENS)
                items = cleaned(entry, reply)
                if not items.alternates:
                    raise LLMError("the model wrote no usable alternate questions")
            except LLMError as exc:
                report.failed += 1
                report.skipped = len(todo) - done
                report.notice = f"Alternates not generated for {report.failed + report.skipped} entries: {exc}."
                log.warning("%s", report.notice)
                break
            bank.store(entry, items)
            report.generated += 1
            bar.update(1)
            if on_progress:
                on_progress(done, len(todo))
    return report


def cleaned(entry: Entry, reply: GeneratedReply) -> GeneratedItems:
    """Trimmed, deduplicated, bounded items; the entry's own title is not an alternate of it."""
    seen = {_key(entry.title)}
    alternates = []
    for text in reply.alternates:
        text = " ".join(str(text).split())
        if 3 <= len(text) <= MAX_ALTERNATE_CHARS and _key(text) not in seen:
            seen.add(_key(text))
            alternates.append(text)
    terms = []
    names: set[str] = set()
    for term in reply.glossary:
        name, expansion = " ".join(term.term.split()), " ".join(term.expansion.split())
        if not (name and expansion) or len(name) > MAX_TERM_CHARS or len(expansion) > MAX_TERM_CHARS:
            continue
        if name.lower() in names:
            continue
        names.add(name.lower())
        aliases = [a for a in (" ".join(x.split()) for x in term.aliases) if a and len(a) <= MAX_TERM_CHARS]
        terms.append(GlossaryTerm(term=name, expansion=expansion, aliases=aliases[:4], entries=[entry.source_id]))
    return GeneratedItems(tuple(alternates[:MAX_ALTERNATES]), tuple(terms[:MAX_TERMS]))


def _key(text: str) -> str:
    return " ".join(text.lower().strip(" ?.!").split())
