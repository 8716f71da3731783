"""Entries -> passages small enough for the embedding model's window.

all-MiniLM-L6-v2 reads at most 256 word pieces and silently drops the rest, and most
answers are 250-600 word pieces long. Each entry therefore becomes several passages:

* `chunk`: consecutive paragraphs / list items packed up to the token budget, each
  prefixed with the entry's title, so any chunk hit is a hit on its entry. Together the
  chunks of an entry cover all of its answer text.
* `title`: the question alone (questions are short and match questions well).
* `point`: the title with one key point's full list item (precise matches on details).
* `alternate`: one other way to ask for the entry (the study bank's alternates, or ones a
  model generated for a user's notes), embedded alone: a learner's question is matched
  against questions, as FAQ engines match alternate phrasings.

Token counts come from the model's own `tokenizer.json` via `tokenizers` (no torch import).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rag.entry import Entry
from rag.text import split_at_sentence_ends

MODEL_WINDOW = 256
SPECIAL_TOKENS = 2  # [CLS] and [SEP]
DEFAULT_CHUNK_TOKENS = 200

_LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+")


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    source_id: str
    kind: str  # "chunk" | "title" | "point" | "alternate"
    text: str  # what is embedded and shown: title + body
    body: str  # the part of the answer this passage carries ("" for a title)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:32]


class TokenCounter:
    """Counts word pieces the way the embedding model will see them."""

    def __init__(self, model_path: str | None = None):
        self._tokenizer = None
        if model_path and (Path(model_path) / "tokenizer.json").is_file():
            from tokenizers import Tokenizer

            self._tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
            self._tokenizer.no_truncation()
            self._tokenizer.no_padding()

    def __call__(self, text: str) -> int:
        if self._tokenizer is None:  # a hub model name: a safe over-estimate
            return int(len(text.split()) * 1.6) + 1
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)


@lru_cache(maxsize=4)
def token_counter(model_path: str | None) -> TokenCounter:
    return TokenCounter(model_path)


def chunk_entry(
    entry: Entry, count: TokenCounter, max_tokens: int = DEFAULT_CHUNK_TOKENS, alternates: list[str] = ()
) -> list[Chunk]:
    max_tokens = min(max_tokens, MODEL_WINDOW - SPECIAL_TOKENS)
    title = entry.title
    # A title may take at most half the window, so a chunk always has room for its body.
    prefix = f"{_fit(title, count, max_tokens // 2)}\n"
    budget = max_tokens - count(prefix)
    passages: list[Chunk] = [
        Chunk(f"{entry.source_id}::title", entry.source_id, "title", _fit(title, count, max_tokens), "")
    ]
    for i, body in enumerate(_pack(_units(entry.answer), count, budget)):
        passages.append(Chunk(f"{entry.source_id}::chunk::{i}", entry.source_id, "chunk", prefix + body, body))
    for i, point in enumerate(entry.key_point_texts):
        text = _fit(f"{title}: {_plain(point)}", count, max_tokens)
        passages.append(Chunk(f"{entry.source_id}::point::{i}", entry.source_id, "point", text, point))
    for i, alternate in enumerate(dict.fromkeys(a.strip() for a in alternates if a and a.strip())):
        text = _fit(alternate, count, max_tokens)
        passages.append(Chunk(f"{entry.source_id}::alternate::{i}", entry.source_id, "alternate", text, text))
    return passages


def chunk_entries(
    entries: list[Entry],
    count: TokenCounter,
    max_tokens: int = DEFAULT_CHUNK_TOKENS,
    alternates: dict[str, list[str]] | None = None,
) -> list[Chunk]:
    """Every entry's passages; `alternates` maps a `source_id` to its other phrasings."""
    alternates = alternates or {}
    return [c for e in entries for c in chunk_entry(e, count, max_tokens, alternates.get(e.source_id, ()))]


def _units(answer: str) -> list[str]:
    """Paragraphs and top-level list items (with their nested lines) as the packing unit."""
    units: list[list[str]] = []
    current: list[str] = []
    for line in answer.splitlines():
        if not line.strip():
            if current:
                units.append(current)
                current = []
            continue
        if _LIST_ITEM.match(line) and current:
            units.append(current)
            current = []
        current.append(line)
    if current:
        units.append(current)
    return ["\n".join(u) for u in units]


def _pack(units: list[str], count: TokenCounter, budget: int) -> list[str]:
    pieces: list[str] = []
    for unit in units:
        pieces.extend(_split_to_fit(unit, count, budget))
    chunks: list[str] = []
    current: list[str] = []
    current_tokens = 0
    for piece in pieces:
        n = count(piece)
        if current and current_tokens + n + 1 > budget:
            chunks.append("\n".join(current))
            current, current_tokens = [], 0
        current.append(piece)
        current_tokens += n + 1
    if current:
        chunks.append("\n".join(current))
    return chunks


def _split_to_fit(text: str, count: TokenCounter, budget: int) -> list[str]:
    if count(text) <= budget:
        return [text]
    sentences = [s for s in split_at_sentence_ends(text, loose=True) if s]
    if len(sentences) > 1:
        out: list[str] = []
        current = ""
        for sentence in sentences:
            candidate = f"{current} {sentence}".strip()
            if current and count(candidate) > budget:
                out.extend(_split_to_fit(current, count, budget))
                current = sentence
            else:
                current = candidate
        if current:
            out.extend(_split_to_fit(current, count, budget))
        return out
    words = text.split(" ")
    if len(words) > 1:
        out, current = [], ""
        for word in words:
            candidate = f"{current} {word}" if current else word
            if current and count(candidate) > budget:
                out.append(current)
                current = word
            else:
                current = candidate
        if current:
            out.extend(_split_to_fit(current, count, budget) if count(current) > budget else [current])
        return out
    return _cut_by_characters(text, count, budget)


def _cut_by_characters(text: str, count: TokenCounter, budget: int) -> list[str]:
    """One enormous "word" (a URL, base64, CJK text without spaces): the longest prefixes
    that fit, measured in word pieces, since a character can be one piece or several."""
    pieces: list[str] = []
    start = 0
    while start < len(text):
        lo, hi = start + 1, min(len(text), start + budget * 8)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if count(text[start:mid]) <= budget:
                lo = mid
            else:
                hi = mid - 1
        pieces.append(text[start:lo])
        start = lo
    return pieces


def _fit(text: str, count: TokenCounter, max_tokens: int) -> str:
    """Trim a passage that would overflow the window (only huge titles or key points)."""
    if count(text) <= max_tokens:
        return text
    words = text.split()
    lo, hi = 1, len(words)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(" ".join(words[:mid])) <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    fitted = " ".join(words[:lo])
    return fitted if count(fitted) <= max_tokens else _cut_by_characters(fitted, count, max_tokens)[0]


def _plain(markdown: str) -> str:
    return re.sub(r"\*\*|__|`", "", markdown)
