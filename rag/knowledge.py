"""The knowledge base of one process: corpus, store, embedder and retriever, built lazily.

The CLI builds one per command; the app caches one per server (`st.cache_resource`).
The retriever is built on first use and rebuilt after an index run, so a search never
pays for a Chroma round trip or a BM25 rebuild.
"""

from __future__ import annotations

import logging
import threading

from rag.config import Settings
from rag.corpus import Corpus, load_corpus
from rag.embeddings import Embedder
from rag.indexing import (
    READER_LOCK_WAIT_S,
    IndexNotUpdated,
    IndexReport,
    IndexStatus,
    build_index,
    index_status,
    open_store,
)
from rag.retrieval import HybridRetriever
from rag.store import StoreError, VectorStore, forget_client
from rag.study_bank import StudyBank, load_study_bank

log = logging.getLogger(__name__)


class IndexMissing(StoreError):
    """The store has no passages yet: `python -m rag index` (or `make index`) builds it."""


class KnowledgeBase:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.embedder = embedder or Embedder(settings.embedding_model)
        self._store: VectorStore | None = None
        self._retriever: HybridRetriever | None = None
        self._corpus: Corpus | None = None
        self._study_bank: StudyBank | None = None
        self.index_notice: str | None = None  # why the index in use could not be brought up to date
        self._lock = threading.RLock()

    @property
    def store(self) -> VectorStore:
        with self._lock:
            if self._store is None:
                self._store = open_store(self.settings)
            return self._store

    @property
    def corpus(self) -> Corpus:
        with self._lock:
            if self._corpus is None:
                self._corpus = load_corpus(self.settings.corpus_dir, cache_dir=self.settings.data_dir)
            return self._corpus

    @property
    def study_bank(self) -> StudyBank:
        """The curated bank files beside the corpus (alternates, glossary, study items)."""
        with self._lock:
            if self._study_bank is None:
                self._study_bank = load_study_bank(self.corpus)
            return self._study_bank

    @property
    def retriever(self) -> HybridRetriever:
        with self._lock:
            if self._retriever is None:
                try:
                    passages = self._load_passages()
                except StoreError as exc:
                    if self.settings.chroma_host:
                        raise
                    raise StoreError(
                        f"{exc}; move {self.settings.index_dir} aside and run `python -m rag index` "
                        "to rebuild it from the corpus"
                    ) from exc
                if not passages.ids:
                    if not self.corpus.entries:
                        raise IndexMissing(
                            f"nothing to search: no readable Markdown entries in {self.settings.corpus_dir} "
                            "(add .md files there or set RAG_CORPUS_DIR)"
                        )
                    raise IndexMissing("the index is empty: run `python -m rag index` (or `make index`) first")
                from rag.alternates import corpus_glossary

                glossary = corpus_glossary(self.settings, self.corpus, self.study_bank)
                self._retriever = HybridRetriever(
                    self.corpus.entries, passages, self.embedder, store=self.store, glossary=glossary
                )
            return self._retriever

    def _load_passages(self):
        """All passages; once more through a fresh client when the cached one is stale.

        Chroma's in-process client keeps its view of the files it opened: after another
        process wrote to the index, reading through it can fail ("Error finding id").
        """
        try:
            return self.store.load_all()
        except StoreError:
            if self.settings.chroma_host:
                raise
            forget_client(self.settings.index_dir)
            self._store = None
            return self.store.load_all()

    def status(self) -> IndexStatus:
        if (
            self._store is not None
            and not self.settings.chroma_host
            and not (self.settings.index_dir / "chroma.sqlite3").exists()
        ):
            self._store = None  # the index directory was deleted under this process
        return index_status(self.settings, self.store if self._store else None)

    def index(self, progress: bool = True, on_progress=None, lock_timeout_s: float = 600, llm=None) -> IndexReport:
        """Update the index; with `llm`, a user's notes first get generated alternates (`rag.generated_bank`)."""
        with self._lock:
            report = build_index(
                self.settings,
                self.embedder,
                progress=progress,
                on_progress=on_progress,
                lock_timeout_s=lock_timeout_s,
                llm=llm,
            )
            self.index_notice = None
            self.reload()
            return report

    def reload(self) -> None:
        """Forget the corpus, study bank, store and retriever held: the next use reads them again
        (after an index run, or when the corpus folder changed under a long-lived process)."""
        with self._lock:
            self._store = None
            self._retriever = None
            self._corpus = None
            self._study_bank = None

    def ensure_index(self, progress: bool = True) -> IndexReport | None:
        """Index when the store is missing, stale or unreadable; None when it was already fresh.

        An unreadable local store is set aside and rebuilt by `index` (the report says so), so
        a corrupt index costs one rebuild rather than an error on every command.
        """
        try:
            if self.status().state == "fresh":
                return None
        except StoreError as exc:
            if self.settings.chroma_host:
                raise
            log.info("index unreadable (%s)", exc)
        try:
            return self.index(progress=progress, lock_timeout_s=READER_LOCK_WAIT_S)
        except IndexNotUpdated as exc:
            # Busy, read-only or full: a reader answers from the index as it is, and says why.
            self._store = None
            self._retriever = None
            try:
                readable = self.store.count() > 0
            except StoreError:
                readable = False
            if not readable:
                raise
            self.index_notice = f"{exc}; answering from the index as it is"
            log.warning(self.index_notice)
            return None
