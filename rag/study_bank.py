"""The study bank: curated data beside a corpus file, keyed by the entries' `source_id`.

`corpus/<name>.study.yaml` (or `.json`) sits beside `corpus/<name>.md`. It holds what the
Markdown cannot: other ways to ask for an entry (retrieval, the scope gate, topics),
paraphrases of its key points, common wrong claims and the order of an answer's steps (the
grader), concept questions
(quizzes, the Anki deck) and interviewer follow-ups (coach mode, the mock interview), plus a
file-level glossary of terms and acronyms.

It is data the team reviews like code, so it is validated strictly: a file that does not
parse or does not fit the schema is named in a warning and skipped as a whole (the corpus
still indexes); an item that quotes a sentence its entry does not contain, or names an
entry that does not exist, is dropped and named, so a wrong quote never reaches a learner.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rag.corpus import Corpus
from rag.corpus_files import CorpusProblem
from rag.entry import Entry
from rag.study.rubric import rubric_points
from rag.text import quote_key

BANK_SUFFIXES = (".study.yaml", ".study.yml", ".study.json")
MAX_BANK_BYTES = 5_000_000

Difficulty = Literal["recall", "apply", "compare"]
FollowUpKind = Literal["depth", "trade-off", "failure"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Misconception(_Strict):
    """A wrong claim a confident candidate makes, what is right instead, and the source sentence."""

    claim: str = Field(min_length=3)
    correction: str = Field(min_length=3)
    source: str = Field(min_length=3)


class BankMCQ(_Strict):
    """A concept question: four choices of one kind, one key, an explanation quoting the source."""

    stem: str = Field(min_length=5)
    choices: list[str] = Field(min_length=4, max_length=4)
    answer: int = Field(ge=0, le=3)
    explanation: str = Field(min_length=3)
    source: str = Field(min_length=3)
    source_id: str | None = None  # the entry the quote comes from, when not this one
    difficulty: Difficulty = "recall"

    @field_validator("choices")
    @classmethod
    def _distinct(cls, choices: list[str]) -> list[str]:
        if len({c.strip().lower() for c in choices}) != len(choices) or not all(c.strip() for c in choices):
            raise ValueError("choices must be four different, non-empty texts")
        return choices


class FollowUp(_Strict):
    """What an interviewer asks next, and what a good answer to it contains."""

    question: str = Field(min_length=5)
    kind: FollowUpKind
    checks: list[str] = Field(min_length=1)
    key_points: list[str] = Field(default_factory=list)


class SequenceStep(_Strict):
    """One step of an answer that is a sequence: its key point's label and the words a reply names it by."""

    label: str = Field(min_length=1)
    names: list[str] = Field(min_length=1)


class EntryBank(_Strict):
    alternates: list[str] = Field(default_factory=list)
    points: dict[str, list[str]] = Field(default_factory=dict)
    misconceptions: list[Misconception] = Field(default_factory=list)
    sequence: list[SequenceStep] = Field(default_factory=list)  # the key points that are steps, in order
    mcqs: list[BankMCQ] = Field(default_factory=list)
    follow_ups: list[FollowUp] = Field(default_factory=list)


class GlossaryTerm(_Strict):
    term: str = Field(min_length=1)
    expansion: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    entries: list[str] = Field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Every way the term is written: the term, its expansion and its aliases."""
        return list(dict.fromkeys([self.term, self.expansion, *self.aliases]))


class BankFile(_Strict):
    version: int = 1
    entries: dict[str, EntryBank] = Field(default_factory=dict)
    glossary: list[GlossaryTerm] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _not_empty(cls, data):
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise ValueError("the top level must be a mapping with `entries` and `glossary`")
        return data


_EMPTY = EntryBank()


@dataclass
class StudyBank:
    """Every bank file of a corpus, merged: per-entry data and one glossary."""

    entries: dict[str, EntryBank] = field(default_factory=dict)
    glossary: list[GlossaryTerm] = field(default_factory=list)
    problems: list[CorpusProblem] = field(default_factory=list)

    def of(self, source_id: str) -> EntryBank:
        return self.entries.get(source_id, _EMPTY)

    def alternates(self) -> dict[str, list[str]]:
        return {sid: list(bank.alternates) for sid, bank in self.entries.items() if bank.alternates}


def bank_path_for(markdown_path: Path) -> Path | None:
    """The bank file beside a corpus file, if there is one (`x.md` -> `x.study.yaml`)."""
    markdown_path = Path(markdown_path)
    stem = markdown_path.name[: -len(markdown_path.suffix)] if markdown_path.suffix else markdown_path.name
    for suffix in BANK_SUFFIXES:
        candidate = markdown_path.with_name(stem + suffix)
        if candidate.is_file() and not candidate.is_symlink():
            return candidate
    return None


def load_study_bank(corpus: Corpus) -> StudyBank:
    """The bank files beside the corpus's Markdown files, validated against their entries."""
    bank = StudyBank()
    by_path: dict[str, list[Entry]] = {}
    for entry in corpus.entries:
        by_path.setdefault(entry.path, []).append(entry)
    known = corpus.by_id()
    for path_text, entries in by_path.items():
        bank_path = bank_path_for(Path(path_text))
        if bank_path is None:
            continue
        try:
            parsed = read_bank_file(bank_path)
        except BankFileError as exc:
            bank.problems.append(CorpusProblem(str(bank_path), str(exc)))
            continue
        own = {e.source_id for e in entries}
        for source_id, entry_bank in parsed.entries.items():
            if source_id not in own:
                bank.problems.append(CorpusProblem(str(bank_path), f"no entry {source_id!r} in {Path(path_text).name}"))
                continue
            checked, dropped = _checked(entry_bank, known[source_id], known)
            bank.problems.extend(CorpusProblem(str(bank_path), f"{source_id}: {why}", skipped=False) for why in dropped)
            bank.entries[source_id] = checked
        for term in parsed.glossary:
            unknown = [sid for sid in term.entries if sid not in known]
            if unknown:
                bank.problems.append(
                    CorpusProblem(str(bank_path), f"glossary term {term.term!r} names unknown entries", skipped=False)
                )
            bank.glossary.append(term.model_copy(update={"entries": [s for s in term.entries if s in known]}))
    return bank


class BankFileError(ValueError):
    """A bank file that cannot be used at all; its message names the first problem."""


def read_bank_file(path: Path) -> BankFile:
    try:
        if path.stat().st_size > MAX_BANK_BYTES:
            raise BankFileError(f"study bank too large (limit {MAX_BANK_BYTES / 1e6:.0f} MB)")
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except BankFileError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise BankFileError(f"study bank unreadable ({type(exc).__name__})") from None
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise BankFileError(f"study bank is not valid {'JSON' if path.suffix == '.json' else 'YAML'}{line}") from None
    try:
        return BankFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        raise BankFileError(f"study bank does not fit the schema at {location}: {first['msg']}") from None


def quoted_in(sentence: str, entry: Entry) -> bool:
    """Whether `sentence` is found in the entry's text (Markdown emphasis, bullets and spacing aside)."""
    return quote_key(sentence) in quote_key(entry.answer)


def _checked(bank: EntryBank, entry: Entry, known: dict[str, Entry]) -> tuple[EntryBank, list[str]]:
    dropped: list[str] = []
    misconceptions = []
    for item in bank.misconceptions:
        if quoted_in(item.source, entry):
            misconceptions.append(item)
        else:
            dropped.append(f"misconception {item.claim[:40]!r} dropped: its source sentence is not in the entry")
    mcqs = []
    for item in bank.mcqs:
        quoted_entry = known.get(item.source_id or entry.source_id)
        if quoted_entry is not None and quoted_in(item.source, quoted_entry):
            mcqs.append(item)
        else:
            dropped.append(f"question {item.stem[:40]!r} dropped: its source sentence is not in the entry")
    labels = {label.lower() for label in entry.key_points}
    points = {}
    for label, paraphrases in bank.points.items():
        if label.lower() in labels:
            points[label] = paraphrases
        else:
            dropped.append(f"paraphrases of {label!r} dropped: the entry has no such key point")
    rubric = {point.label.lower() for point in rubric_points(entry)}  # the grader's points, list or not
    sequence = [step for step in bank.sequence if step.label.lower() in rubric]
    dropped += [
        f"sequence step {step.label!r} dropped: the entry has no such key point"
        for step in bank.sequence
        if step.label.lower() not in rubric
    ]
    update = {"misconceptions": misconceptions, "mcqs": mcqs, "points": points, "sequence": sequence}
    return bank.model_copy(update=update), dropped
