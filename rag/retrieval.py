"""Hybrid retrieval: several dense views of each entry plus BM25, scored per entry.

Measured on `eval/retrieval_dev.jsonl` (see `eval/README.md`): reciprocal-rank fusion of
chunk lists loses to a weighted sum of per-entry scores, because an entry is matched by
the *best* of its views. Each entry has a title vector, chunk vectors and one vector per
key point, plus its centroid (the normalised mean of all of them: the "whole entry"
view that no single 256-piece window can hold). Its dense score is a weighted sum of the
best similarity in each view and the centroid similarity; BM25 over the whole entry
(normalised by the best entry) is added with its own weight.

Dense search is exact (one matrix product over the passages held in memory, loaded once
from the store), which at this corpus size costs well under a millisecond and is exact
by construction; beyond `exact_limit` passages the store's HNSW index is queried instead.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import numpy as np

from rag.corpus import Entry
from rag.embeddings import Embedder
from rag.errors import UserFacingError
from rag.lexical import LexicalIndex
from rag.store import StoredPassages, VectorStore

KINDS = ("title", "chunk", "point")
METHODS = ("dense", "bm25", "hybrid")


class UnknownSection(UserFacingError, ValueError):
    """A section filter that names no section of the corpus."""


@dataclass(frozen=True)
class Weights:
    """Score = title*t + chunk*c + point*p + centroid*e + bm25*b (dense parts are cosines).

    Chosen from a grid over the dev set as the middle of the plateau (not its single best
    point), and checked on the untouched `eval/retrieval_check.jsonl`.
    """

    title: float = 0.1
    chunk: float = 0.3
    point: float = 0.2
    centroid: float = 0.4
    bm25: float = 0.15


@dataclass
class Hit:
    entry: Entry
    score: float
    text: str  # the passage that matched best, for display
    dense: float  # best cosine similarity over the entry's passages (the scope gate reads it)
    lexical: float  # normalised BM25 (0..1)
    components: dict = field(default_factory=dict)

    @property
    def source_id(self) -> str:
        return self.entry.source_id

    def to_json(self) -> dict:
        return {
            "source_id": self.entry.source_id,
            "question_number": self.entry.question_number,
            "title": self.entry.title,
            "section": self.entry.section,
            "big_tech": self.entry.big_tech,
            "score": round(float(self.score), 4),
            "text": self.text,
        }


_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)  # surrogates: undecodable argv bytes
_EXPANSIONS = {
    r"\bci/?cd\b": "CI/CD continuous integration continuous deployment",
    r"\ba/?b test(s|ing)?\b": "A/B testing",
    r"\bk8s\b": "Kubernetes",
    r"\bblue[- ]?green\b": "blue-green",
    r"\bml ?ops\b": "MLOps",
    r"\bdvc\b": "DVC data version control",
    r"\bpii\b": "PII personal data privacy",
    r"\bgdpr\b": "GDPR privacy regulation",
    r"\bw&b\b|\bwandb\b": "Weights & Biases",
}


def normalise_query(text: str) -> str:
    """Strip control and direction marks, collapse space, expand common MLOps shorthands."""
    text = _CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    for pattern, replacement in _EXPANSIONS.items():
        text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
    return text


class HybridRetriever:
    def __init__(
        self,
        entries: list[Entry],
        passages: StoredPassages,
        embedder: Embedder,
        weights: Weights = Weights(),
        store: VectorStore | None = None,
        exact_limit: int = 200_000,
    ):
        self.entries = [e for e in entries]
        self.embedder = embedder
        self.weights = weights
        self.store = store
        self.exact_limit = exact_limit
        self._entry_index = {e.source_id: i for i, e in enumerate(self.entries)}
        keep = [i for i, m in enumerate(passages.metadatas) if m.get("source_id") in self._entry_index]
        self.passage_ids = [passages.ids[i] for i in keep]
        self.passage_texts = [passages.documents[i] for i in keep]
        self.matrix = passages.vectors[keep] if len(keep) else np.zeros((0, 384), dtype=np.float32)
        self.owner = np.array([self._entry_index[passages.metadatas[i]["source_id"]] for i in keep], dtype=np.int64)
        kinds = [passages.metadatas[i].get("kind", "chunk") for i in keep]
        self.kind_masks = {k: np.array([x == k for x in kinds], dtype=bool) for k in KINDS}
        self._kind_groups = {k: _grouped_by_owner(np.flatnonzero(m), self.owner) for k, m in self.kind_masks.items()}
        self._row_of = {pid: r for r, pid in enumerate(self.passage_ids)}
        self.centroids = _centroids(self.matrix, self.owner, len(self.entries))
        chunk_rows = np.flatnonzero(self.kind_masks["chunk"])
        grouped = chunk_rows[np.argsort(self.owner[chunk_rows], kind="stable")]
        bounds = np.searchsorted(self.owner[grouped], np.arange(len(self.entries) + 1))
        self._chunk_rows = [grouped[bounds[i] : bounds[i + 1]] for i in range(len(self.entries))]
        self.lexical = LexicalIndex([f"{e.title}\n{e.title}\n{e.answer}" for e in self.entries])
        self.sections = list(dict.fromkeys(e.section for e in self.entries))
        self._big_tech = np.array([e.big_tech for e in self.entries], dtype=bool)
        self._section_of = np.array([e.section for e in self.entries], dtype=object)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ public

    def search(
        self,
        query: str,
        k: int = 5,
        section: str | None = None,
        big_tech: bool | None = None,
        method: str = "hybrid",
    ) -> list[Hit]:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
        allowed = self._filter_mask(section, big_tech)
        query = normalise_query(query)
        if not query or not self.entries:
            return []
        n = len(self.entries)
        dense_parts = {kind: np.full(n, -1.0, dtype=np.float32) for kind in KINDS}
        sims = None
        centroid = np.zeros(n, dtype=np.float32)
        if method in ("dense", "hybrid"):
            vector = self.embedder.embed_query(query)
            sims = self._passage_similarities(vector)
            centroid = self.centroids @ vector
            for kind in KINDS:  # best similarity per entry: one reduceat per view, no ufunc.at
                rows, owners, starts = self._kind_groups[kind]
                if len(rows):
                    dense_parts[kind][owners] = np.maximum(
                        dense_parts[kind][owners], np.maximum.reduceat(sims[rows], starts)
                    )
        lexical = np.zeros(n, dtype=np.float32)
        if method in ("bm25", "hybrid"):
            raw = self.lexical.scores(query)
            top = float(raw[allowed].max()) if allowed.any() else 0.0
            if top > 0:
                lexical = raw / top
        w = self.weights
        for kind in KINDS:  # an entry without points (or chunks) uses its best other view
            missing = dense_parts[kind] < -0.5
            dense_parts[kind][missing] = np.maximum(dense_parts["chunk"][missing], dense_parts["title"][missing])
        dense_best = np.maximum.reduce([dense_parts[k] for k in KINDS])
        if method == "bm25":
            scores = lexical.copy()
        else:
            scores = (
                w.title * dense_parts["title"]
                + w.chunk * dense_parts["chunk"]
                + w.point * dense_parts["point"]
                + w.centroid * centroid
            )
            if method == "hybrid":
                scores = scores + w.bm25 * lexical
        scores = np.where(allowed, scores, -np.inf)
        k = max(1, min(int(k), n))
        order = _best(scores, k)
        hits = []
        for i in order:
            if not np.isfinite(scores[i]) or (method == "bm25" and scores[i] <= 0):
                continue
            hits.append(
                Hit(
                    entry=self.entries[i],
                    score=float(scores[i]),
                    text=self._display_text(i, sims),
                    dense=float(max(dense_best[i], 0.0)),
                    lexical=float(lexical[i]),
                    components={**{k2: float(dense_parts[k2][i]) for k2 in KINDS}, "centroid": float(centroid[i])},
                )
            )
        return hits

    def entry(self, source_id: str) -> Entry | None:
        i = self._entry_index.get(source_id)
        return self.entries[i] if i is not None else None

    def check_section(self, section: str | None) -> str | None:
        """Resolve a section name case-insensitively; raise with the valid names if unknown."""
        if section is None:
            return None
        for name in self.sections:
            if name.lower() == section.strip().lower():
                return name
        raise UnknownSection(f"unknown section {section!r}; sections are: {', '.join(self.sections)}")

    # ----------------------------------------------------------------- helpers

    def _filter_mask(self, section: str | None, big_tech: bool | None) -> np.ndarray:
        mask = np.ones(len(self.entries), dtype=bool)
        if section is not None:
            mask &= self._section_of == self.check_section(section)
        if big_tech:
            mask &= self._big_tech
        return mask

    def _passage_similarities(self, vector: np.ndarray) -> np.ndarray:
        if len(self.passage_ids) <= self.exact_limit or self.store is None:
            return self.matrix @ vector
        sims = np.full(len(self.passage_ids), -1.0, dtype=np.float32)
        for pid, sim in self.store.query(vector, n=min(1000, len(self.passage_ids))):
            row = self._row_of.get(pid)
            if row is not None:
                sims[row] = sim
        return sims

    def _display_text(self, i: int, sims: np.ndarray | None) -> str:
        """The entry's chunk that matched best (its first chunk for a BM25-only search)."""
        rows = self._chunk_rows[i]
        if len(rows) == 0:
            return self.entries[i].answer[:1000]
        row = rows[int(np.argmax(sims[rows]))] if sims is not None else rows[0]
        return self.passage_texts[row]


def _grouped_by_owner(rows: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`rows` ordered by owning entry, the entries that own any, and where each one's rows start."""
    rows = rows[np.argsort(owner[rows], kind="stable")]
    owners, starts = np.unique(owner[rows], return_index=True)
    return rows, owners, starts


def _best(scores: np.ndarray, k: int) -> np.ndarray:
    """`np.argsort(-scores, kind="stable")[:k]` without sorting every entry (~5 ms at 25k).

    Everything tied with the k-th best score is kept before the stable sort, so ties still
    go to the earlier entry, exactly as the full sort orders them.
    """
    negated = -scores
    if k >= len(negated):
        return np.argsort(negated, kind="stable")[:k]
    kth = np.partition(negated, k - 1)[k - 1]
    if np.isnan(kth):
        return np.argsort(negated, kind="stable")[:k]
    candidates = np.flatnonzero(negated <= kth)
    return candidates[np.argsort(negated[candidates], kind="stable")][:k]


def _centroids(matrix: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Unit-length mean of each entry's passage vectors."""
    dim = matrix.shape[1] if matrix.ndim == 2 and matrix.shape[1] else 384
    sums = np.zeros((n, dim), dtype=np.float32)
    if len(owner):
        np.add.at(sums, owner, matrix)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return sums / np.where(norms > 0, norms, 1.0)
