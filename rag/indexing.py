"""Corpus -> passages -> vectors -> store, incrementally.

A passage is re-embedded only when its text (and so its content hash) changed; passages of
removed or edited entries that no longer exist are deleted. An unchanged corpus costs a
parse, a chunking pass and one metadata read of the store: the model is never loaded.

A file lock makes two processes indexing at once take turns instead of racing. A reader
(a `search` or `ask` that found the index stale) waits only a moment for it: another
process indexing, a read-only data folder or a full disk raise `IndexNotUpdated`, and the
reader answers from the index as it is (`KnowledgeBase.ensure_index`). A write failure
never condemns a readable index: only an index that cannot be *read* is set aside.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout

if TYPE_CHECKING:  # numpy is imported where vectors are made, not to read the corpus
    import numpy as np

    from rag.generated_bank import GenerationReport

from rag.chunking import Chunk, chunk_entries, token_counter
from rag.config import Settings
from rag.corpus import Corpus, load_corpus
from rag.corpus_files import CorpusFileError, CorpusProblem
from rag.embeddings import Embedder
from rag.entry import Entry
from rag.store import StoreError, VectorStore, collection_name, forget_client, open_client

log = logging.getLogger(__name__)

READER_LOCK_WAIT_S = 3.0  # how long a read command waits for another process's indexing
MIN_FREE_BYTES = 50_000_000  # below this, do not start embedding: the write would fail after the work
_WRITE_FAILURES = (
    "disk is full",
    "no space left",
    "database or disk is full",
    "readonly database",
    "read-only file system",
    "permission denied",
    "database is locked",
    "errno 28",
    "errno 30",
)


class IndexNotUpdated(StoreError):
    """The index could not be brought up to date (busy, read-only, disk full); what it holds is still readable."""


def is_write_failure(exc: BaseException) -> bool:
    """A failure to write (no space, read-only, no permission, locked), as opposed to an unreadable index."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.errno in (28, 30, 13, 1):
            return True
        if any(words in str(seen).lower() for words in _WRITE_FAILURES):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@dataclass
class IndexReport:
    entries: int
    chunks: int
    embedded: int
    removed: int
    seconds: float
    problems: list[CorpusProblem] = field(default_factory=list)
    rebuilt_from_corrupt: bool = False
    generation: GenerationReport | None = None  # with an LLM: alternates written for a user's notes

    def to_json(self) -> dict:
        out = {
            "entries": self.entries,
            "chunks": self.chunks,
            "embedded": self.embedded,
            "seconds": round(self.seconds, 3),
        }
        out["removed"] = self.removed
        if self.problems:
            out["problems"] = [str(p) for p in self.problems]
        if self.rebuilt_from_corrupt:
            out["rebuilt_from_corrupt"] = True
        if self.generation is not None:
            g = self.generation
            out["generated"] = {"generated": g.generated, "cached": g.cached, "failed": g.failed + g.skipped}
        return out


@dataclass
class IndexStatus:
    state: str  # "fresh" | "stale" | "missing"
    to_embed: int
    to_remove: int
    passages: int


def passage_metadata(chunk: Chunk, entry: Entry) -> dict:
    return {
        "hash": chunk.content_hash,
        "source_id": entry.source_id,
        "kind": chunk.kind,
        "section": entry.section,
        "big_tech": entry.big_tech,
        "question_number": entry.question_number if entry.question_number is not None else -1,
        "title": entry.title,
    }


def plan(chunks: list[Chunk], stored: dict[str, str]) -> tuple[list[Chunk], list[str]]:
    """What to embed (new or changed passages) and what to delete (gone from the corpus)."""
    current = {c.chunk_id for c in chunks}
    to_embed = [c for c in chunks if stored.get(c.chunk_id) != c.content_hash]
    to_delete = [pid for pid in stored if pid not in current]
    return to_embed, to_delete


def open_store(settings: Settings) -> VectorStore:
    client = open_client(settings.index_dir, settings.chroma_host, settings.chroma_port)
    return VectorStore(client, collection_name(settings.embedding_model))


def corpus_passages(settings: Settings, corpus: Corpus | None = None) -> tuple[Corpus, list[Chunk]]:
    """The corpus's passages, alternate questions included (curated, or cached generated ones)."""
    from rag.alternates import corpus_alternates

    corpus = corpus or load_corpus(settings.corpus_dir, cache_dir=settings.data_dir)
    alternates = corpus_alternates(settings, corpus)
    return corpus, chunk_entries(corpus.entries, token_counter(settings.embedding_model), alternates=alternates)


def index_status(settings: Settings, store: VectorStore | None = None) -> IndexStatus:
    if store is None and not settings.chroma_host and not (settings.index_dir / "chroma.sqlite3").exists():
        _, chunks = corpus_passages(settings)
        return IndexStatus("missing", len(chunks), 0, 0)
    store = store or open_store(settings)
    _, chunks = corpus_passages(settings)
    stored = store.hashes()
    to_embed, to_delete = plan(chunks, stored)
    if not stored:
        state = "missing"
    elif to_embed or to_delete:
        state = "stale"
    else:
        state = "fresh"
    return IndexStatus(state, len(to_embed), len(to_delete), len(stored))


def build_index(
    settings: Settings,
    embedder: Embedder | None = None,
    progress: bool = True,
    on_progress=None,
    lock_timeout_s: float = 600,
    llm=None,
) -> IndexReport:
    """Bring the store in line with the corpus. `on_progress(done, total)` feeds a UI bar.

    With `llm`, entries of files without a study bank first get generated alternates and
    glossary terms (`rag.generated_bank`, cached by content hash); without it nothing is asked.
    """
    started = time.perf_counter()
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexNotUpdated(
            f"cannot use {settings.data_dir} as the data directory ({exc.strerror or type(exc).__name__}); "
            "set RAG_DATA_DIR to a writable folder"
        ) from None
    lock = FileLock(str(settings.data_dir / "index.lock"))
    try:
        with lock.acquire(timeout=lock_timeout_s):
            return _build_locked(settings, embedder, progress, on_progress, started, llm)
    except Timeout:
        raise IndexNotUpdated("another process is indexing; try again when it has finished") from None
    except OSError as exc:  # the lock file cannot be created: a read-only or full data folder
        raise IndexNotUpdated(
            f"the index in {settings.data_dir} cannot be updated ({exc.strerror or type(exc).__name__})"
        ) from None


def _build_locked(settings, embedder, progress, on_progress, started, llm=None) -> IndexReport:
    if not settings.corpus_dir.is_dir():
        # Indexing "nothing" would delete every stored passage because of a mistyped path.
        raise CorpusFileError(
            f"corpus directory not found: {settings.corpus_dir} (set RAG_CORPUS_DIR to a folder of .md files)"
        )
    corpus = load_corpus(settings.corpus_dir)
    generation = _generate(settings, corpus, llm, progress) if llm is not None else None
    corpus, chunks = corpus_passages(settings, corpus)
    rebuilt = False
    if not settings.chroma_host:
        # Under the lock this process is the only writer: open what is on disk now, not a client
        # cached before another process (a CLI `index`) wrote to it.
        forget_client(settings.index_dir)
    try:
        store = open_store(settings)
        stored = store.hashes()
    except StoreError as exc:
        if settings.chroma_host:
            raise
        if is_write_failure(exc):  # full disk, read-only, locked: the index may be fine; never set it aside
            raise IndexNotUpdated(f"the index could not be opened for writing ({exc})") from exc
        log.warning("index unreadable (%s); rebuilding it from the corpus", exc)
        forget_client(settings.index_dir)
        _set_aside(settings.index_dir)
        store = open_store(settings)
        stored = {}
        rebuilt = True
    to_embed, to_delete = plan(chunks, stored)
    entries = corpus.by_id()
    if (to_embed or to_delete) and not settings.chroma_host:
        _check_free_space(settings.index_dir)
    try:
        if to_embed:
            embedder = embedder or Embedder(settings.embedding_model)
            vectors = _embed_with_progress(embedder, [c.text for c in to_embed], progress, on_progress)
            store.upsert(
                [c.chunk_id for c in to_embed],
                vectors,
                [passage_metadata(c, entries[c.source_id]) for c in to_embed],
                [c.body or c.text for c in to_embed],
            )
        if to_delete:
            store.delete(to_delete)
    except StoreError as exc:
        if is_write_failure(exc):
            raise IndexNotUpdated(f"the index could not be updated ({exc})") from exc
        raise
    return IndexReport(
        entries=len(corpus.entries),
        chunks=len(chunks),
        embedded=len(to_embed),
        removed=len(to_delete),
        seconds=time.perf_counter() - started,
        problems=corpus.problems,
        rebuilt_from_corrupt=rebuilt,
        generation=generation,
    )


def _generate(settings: Settings, corpus: Corpus, llm, progress: bool) -> GenerationReport:
    """Generated alternates for the entries no study bank covers (each entry asked once, ever)."""
    from rag.generated_bank import GeneratedBank, entries_without_bank, generate_missing

    return generate_missing(entries_without_bank(corpus.entries), GeneratedBank(settings.data_dir), llm, progress)


def _embed_with_progress(embedder: Embedder, texts: list[str], progress: bool, on_progress) -> np.ndarray:
    import numpy as np
    from tqdm import tqdm

    batch = 64
    parts = []
    with tqdm(total=len(texts), desc="embedding", unit="passage", disable=not progress, leave=False) as bar:
        for start in range(0, len(texts), batch):
            parts.append(embedder.embed(texts[start : start + batch]))
            bar.update(len(texts[start : start + batch]))
            if on_progress:
                on_progress(min(start + batch, len(texts)), len(texts))
    return np.vstack(parts)


def _check_free_space(index_dir: Path) -> None:
    try:
        free = shutil.disk_usage(index_dir if index_dir.exists() else index_dir.parent).free
    except OSError:
        return
    if free < MIN_FREE_BYTES:
        raise IndexNotUpdated(f"the disk holding {index_dir} is full ({free / 1e6:.0f} MB free)")


def _set_aside(index_dir: Path) -> None:
    """Move a corrupt index out of the way (kept for inspection, never silently deleted)."""
    if not index_dir.exists():
        return
    target = index_dir.with_name(f"{index_dir.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    shutil.move(str(index_dir), str(target))
    log.warning("moved the unreadable index to %s", target)
