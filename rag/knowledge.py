"""The knowledge base of one process: corpus, store, embedder and retriever, built lazily.

The CLI builds one per command; the app caches one per server (`st.cache_resource`).
The retriever is built on first use and rebuilt after an index run, so a search never
pays for a Chroma round trip or a BM25 rebuild.
"""

from __future__ import annotations

import threading

from .config import Settings
from .corpus import Corpus, load_corpus
from .embeddings import Embedder
from .indexing import IndexReport, IndexStatus, build_index, index_status, open_store
from .retrieval import HybridRetriever
from .store import StoreError, VectorStore


class IndexMissing(StoreError):
    """The store has no passages yet: `python -m rag index` (or `make index`) builds it."""


class KnowledgeBase:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.embedder = embedder or Embedder(settings.embedding_model)
        self._store: VectorStore | None = None
        self._retriever: HybridRetriever | None = None
        self._corpus: Corpus | None = None
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
                self._corpus = load_corpus(self.settings.corpus_dir)
            return self._corpus

    @property
    def retriever(self) -> HybridRetriever:
        with self._lock:
            if self._retriever is None:
                passages = self.store.load_all()
                if not passages.ids:
                    raise IndexMissing("the index is empty: run `python -m rag index` (or `make index`) first")
                self._retriever = HybridRetriever(self.corpus.entries, passages, self.embedder, store=self.store)
            return self._retriever

    def status(self) -> IndexStatus:
        return index_status(self.settings, self.store if self._store else None)

    def index(self, progress: bool = True, on_progress=None) -> IndexReport:
        with self._lock:
            report = build_index(self.settings, self.embedder, progress=progress, on_progress=on_progress)
            if report.rebuilt_from_corrupt:
                _forget_chroma_clients()
            self._store = None
            self._retriever = None
            self._corpus = None
            return report

    def ensure_index(self, progress: bool = True) -> IndexReport | None:
        """Index when the store is missing or stale; None when it was already fresh."""
        if self.status().state == "fresh":
            return None
        return self.index(progress=progress)


def _forget_chroma_clients() -> None:
    try:
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    except Exception:  # an older/newer chromadb without the cache: nothing to forget
        pass
