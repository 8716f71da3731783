"""The vector store: a Chroma collection holding every passage, its vector and metadata.

It knows Chroma, not Markdown. Embedded (`PersistentClient` under the data dir) by default,
or a shared Chroma server (`HttpClient`) when `CHROMA_HOST` is set. Vectors are always
computed by us and passed in: Chroma's default embedding function would download a model.

HNSW settings, chosen by measured recall of the exact top 5 for random unit vectors (the
hardest case: real embeddings cluster; see docs/performance.md): Chroma's defaults (M 16,
ef 100) found 55% at 10k and 13% at 100k; M 32 with ef_construction 200 found 94% at 10k
with ef_search 200 but 42% at 100k, 87% with ef_search 1000 and 96% with 2000. ef_search
costs only query time, and the retriever queries HNSW only beyond its exact-search limit
(asking for 1000 passages, so the search width is at least 1000 anyway).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.errors import UserFacingError

log = logging.getLogger(__name__)

HNSW_CONFIG = {"space": "cosine", "ef_construction": 200, "ef_search": 2000, "max_neighbors": 32}
_BATCH = 2000


class StoreError(UserFacingError, RuntimeError):
    """The store cannot be opened or read (corrupt files, server down)."""


@dataclass
class StoredPassages:
    ids: list[str]
    vectors: np.ndarray
    metadatas: list[dict]
    documents: list[str]


def collection_name(model_name_or_path: str) -> str:
    """One collection per embedding model, so switching models never mixes vector spaces."""
    tag = Path(model_name_or_path.rstrip("/")).name.lower().replace("_", "-")[:30] or "model"
    digest = hashlib.sha1(model_name_or_path.encode()).hexdigest()[:8]
    safe = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in tag).strip("-") or "model"
    return f"passages-{safe}-{digest}"


def open_client(index_dir: Path | None = None, host: str | None = None, port: int = 8000):
    """A Chroma client: a server when `host` is given, else an embedded store in `index_dir`."""
    try:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        if host:
            return chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
        index_dir = Path(index_dir or ".data/index")
        index_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(index_dir), settings=chroma_settings)
    except Exception as exc:
        if not host:
            forget_client(index_dir)  # chroma caches the half-started system: a retry must start clean
        where = f"the Chroma server at {host}:{port}" if host else f"the index in {index_dir}"
        raise StoreError(f"cannot open {where} ({type(exc).__name__}: {_one_line(exc)})") from exc


def forget_client(index_dir: Path | None) -> None:
    """Drop chroma's in-process client for one index directory.

    Chroma keeps one system per path for the life of the process, holding open handles on
    the files it found there. After the directory is set aside, deleted or found corrupt, the
    next client for that path must open the files now on disk, not reuse those handles.
    Other paths' clients (another knowledge base in the same process) are left alone.
    """
    if index_dir is None:
        return
    try:
        from chromadb.api.shared_system_client import SharedSystemClient
    except Exception:  # a chromadb without the per-path cache: nothing to forget
        return
    key = str(index_dir)
    with SharedSystemClient._refcount_lock:
        # Not stopped: a store object still in use elsewhere in the process keeps working on
        # the old files until it is dropped.
        SharedSystemClient._identifier_to_system.pop(key, None)
        SharedSystemClient._identifier_to_refcount.pop(key, None)


class VectorStore:
    def __init__(self, client, name: str, hnsw: dict | None = None):
        self.client = client
        self.name = name
        try:
            self.collection = client.get_or_create_collection(
                name=name,
                configuration={"hnsw": dict(hnsw or HNSW_CONFIG)},
                embedding_function=None,
            )
        except Exception as exc:
            raise StoreError(f"cannot open collection {name!r} ({type(exc).__name__}: {_one_line(exc)})") from exc
        self._widen_search(dict(hnsw or HNSW_CONFIG).get("ef_search"))

    def _widen_search(self, ef_search: int | None) -> None:
        """Raise ef_search of a collection created with a smaller one (the only HNSW setting Chroma lets change)."""
        try:
            current = (self.collection.configuration_json or {}).get("hnsw", {}).get("ef_search")
            if ef_search and current and current < ef_search:
                self.collection.modify(configuration={"hnsw": {"ef_search": ef_search}})
        except Exception as exc:  # an older index keeps its narrower search: lower recall, never an error
            log.info("could not raise ef_search of %s (%s)", self.name, exc)

    def count(self) -> int:
        return self._guard(self.collection.count)

    def hashes(self) -> dict[str, str]:
        """Passage id -> content hash, without fetching vectors (what a no-op re-index needs)."""
        out: dict[str, str] = {}
        total = self.count()
        for offset in range(0, total, _BATCH):
            got = self._guard(self.collection.get, include=["metadatas"], limit=_BATCH, offset=offset)
            for pid, meta in zip(got["ids"], got["metadatas"]):
                out[pid] = (meta or {}).get("hash", "")
        return out

    def upsert(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict], documents: list[str]) -> None:
        for start in range(0, len(ids), _BATCH):
            end = start + _BATCH
            self._guard(
                self.collection.upsert,
                ids=ids[start:end],
                embeddings=vectors[start:end],
                metadatas=metadatas[start:end],
                documents=documents[start:end],
            )

    def delete(self, ids: list[str]) -> None:
        for start in range(0, len(ids), _BATCH):
            self._guard(self.collection.delete, ids=ids[start : start + _BATCH])

    def load_all(self) -> StoredPassages:
        ids: list[str] = []
        vectors: list[np.ndarray] = []
        metadatas: list[dict] = []
        documents: list[str] = []
        total = self.count()
        for offset in range(0, total, _BATCH):
            got = self._guard(
                self.collection.get, include=["embeddings", "metadatas", "documents"], limit=_BATCH, offset=offset
            )
            ids.extend(got["ids"])
            vectors.append(np.asarray(got["embeddings"], dtype=np.float32))
            metadatas.extend(m or {} for m in got["metadatas"])
            documents.extend(d or "" for d in got["documents"])
        matrix = np.vstack(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)
        return StoredPassages(ids, matrix, metadatas, documents)

    def query(self, vector: np.ndarray, n: int, where: dict | None = None) -> list[tuple[str, float]]:
        """Approximate nearest passages by cosine similarity (1 - cosine distance)."""
        got = self._guard(
            self.collection.query, query_embeddings=[vector], n_results=n, where=where, include=["distances"]
        )
        return [(pid, 1.0 - float(d)) for pid, d in zip(got["ids"][0], got["distances"][0])]

    def _guard(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise StoreError(f"the vector store failed ({type(exc).__name__}: {_one_line(exc)})") from exc


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200]
