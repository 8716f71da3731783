"""Hybrid retrieval: several dense views of each entry plus BM25, scored per entry.

Measured on `eval/retrieval_dev.jsonl` (see `eval/README.md`): reciprocal-rank fusion of
chunk lists loses to a weighted sum of per-entry scores, because an entry is matched by
the *best* of its views. Each entry has a title vector, chunk vectors and one vector per
key point, plus its centroid (the normalised mean of all of them: the "whole entry"
view that no single 256-piece window can hold). Its dense score is a weighted sum of the
best similarity in each view and the centroid similarity; BM25 over the whole entry
(normalised by the best entry) is added with its own weight.

The study bank adds two signals: an `alternate` view (other phrasings of each entry's
question: its best cosine, like the other views) and the glossary (`rag.glossary`: a term
the question names is expanded, for the embedding and for BM25, and the entries that
explain it get a small prior). Their weights were measured on `eval/questions_dev.jsonl`.

A long question (`LONG_QUESTION_WORDS` or more: a practitioner's story that names symptoms,
not the concept) also gets BM25 over each entry's alternates: the bank's scenario
alternates share its specific words (signup form, notebook, regulator) where the entry's
own text, written about the concept, does not. Short questions do without it: measured, it
only costs them (`eval/README.md`).

Dense search is exact (one matrix product over the passages held in memory, loaded once
from the store), which at this corpus size costs well under a millisecond and is exact
by construction; beyond `exact_limit` passages the store's HNSW index is queried instead.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import numpy as np

from rag.embeddings import Embedder
from rag.entry import Entry
from rag.errors import UserFacingError
from rag.glossary import Glossary
from rag.lexical import LexicalIndex
from rag.store import StoredPassages, VectorStore
from rag.study_bank import GlossaryTerm

KINDS = ("title", "chunk", "point", "alternate")
CONTENT_KINDS = ("title", "chunk", "point")  # the entry's own text: what its centroid averages
METHODS = ("dense", "bm25", "hybrid")
LONG_QUESTION_WORDS = 15  # from this length a question is scored against the alternates' words too


class UnknownSection(UserFacingError, ValueError):
    """A section filter that names no section of the corpus."""


@dataclass(frozen=True)
class Weights:
    """Score = title*t + chunk*c + point*p + alternate*a + centroid*e + bm25*b + glossary*g (+ alternate_bm25*l).

    Dense parts are cosines; `glossary` weighs the prior toward the entries that explain a
    term the question names; `alternate_bm25` weighs BM25 over the alternates, for long
    questions only. The content weights were chosen on `eval/retrieval_dev.jsonl`;
    `alternate` and `glossary` on `eval/questions_dev.jsonl` (the middle of the plateau, not
    its single best point) and reported on the check sets no one tunes on (`eval/README.md`).
    """

    title: float = 0.1
    chunk: float = 0.3
    point: float = 0.2
    centroid: float = 0.4
    bm25: float = 0.15
    alternate: float = 0.3
    glossary: float = 0.03
    alternate_bm25: float = 0.1


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


def normalise_query(text: str) -> str:
    """Strip control and direction marks and collapse space (terms are expanded by the glossary)."""
    text = _CONTROL.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


class HybridRetriever:
    def __init__(
        self,
        entries: list[Entry],
        passages: StoredPassages,
        embedder: Embedder,
        weights: Weights = Weights(),
        store: VectorStore | None = None,
        exact_limit: int = 200_000,
        glossary: list[GlossaryTerm] = (),
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
        content = np.logical_or.reduce([self.kind_masks[k] for k in CONTENT_KINDS]) if len(keep) else np.zeros(0, bool)
        self.centroids = _centroids(self.matrix[content], self.owner[content], len(self.entries))
        chunk_rows = np.flatnonzero(self.kind_masks["chunk"])
        grouped = chunk_rows[np.argsort(self.owner[chunk_rows], kind="stable")]
        bounds = np.searchsorted(self.owner[grouped], np.arange(len(self.entries) + 1))
        self._chunk_rows = [grouped[bounds[i] : bounds[i + 1]] for i in range(len(self.entries))]
        self.lexical = LexicalIndex([f"{e.title}\n{e.title}\n{e.answer}" for e in self.entries])
        self.expand_dense = self.expand_lexical = True  # measured: both pay (eval/README.md)
        alternates: list[list[str]] = [[] for _ in self.entries]
        for row in np.flatnonzero(self.kind_masks["alternate"]):
            alternates[self.owner[row]].append(self.passage_texts[row])
        self.alternate_lexical = LexicalIndex(["\n".join(texts) for texts in alternates])
        self.glossary = Glossary(list(glossary), [e.source_id for e in self.entries], [e.answer for e in self.entries])
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
        parts = self.score_parts(query, allowed, method)
        scores = np.where(allowed, combine(parts, self.weights, method), -np.inf)
        k = max(1, min(int(k), len(self.entries)))
        order = _best(scores, k)
        dense_best = np.maximum.reduce([parts[kind] for kind in KINDS])
        hits = []
        for i in order:
            if not np.isfinite(scores[i]) or (method == "bm25" and scores[i] <= 0):
                continue
            hits.append(
                Hit(
                    entry=self.entries[i],
                    score=float(scores[i]),
                    text=self._display_text(i, parts.get("sims")),
                    dense=float(max(dense_best[i], 0.0)),
                    lexical=float(parts["bm25"][i]),
                    components={
                        name: float(parts[name][i]) for name in (*KINDS, "centroid", "glossary", "alternate_bm25")
                    },
                )
            )
        return hits

    def score_parts(self, query: str, allowed: np.ndarray | None = None, method: str = "hybrid") -> dict:
        """Each view's per-entry score for a normalised query (`combine` weighs them)."""
        n = len(self.entries)
        allowed = np.ones(n, dtype=bool) if allowed is None else allowed
        named = self.glossary.match(query)
        dense_query = named.expanded if self.expand_dense else query
        lexical_query = named.expanded if self.expand_lexical else query
        parts: dict = {kind: np.full(n, -1.0, dtype=np.float32) for kind in KINDS}
        parts["centroid"] = np.zeros(n, dtype=np.float32)
        parts["sims"] = None
        if method in ("dense", "hybrid"):
            vector = self.embedder.embed_query(dense_query)
            sims = self._passage_similarities(vector)
            parts["sims"] = sims
            parts["centroid"] = self.centroids @ vector
            for kind in KINDS:  # best similarity per entry: one reduceat per view, no ufunc.at
                rows, owners, starts = self._kind_groups[kind]
                if len(rows):
                    parts[kind][owners] = np.maximum(parts[kind][owners], np.maximum.reduceat(sims[rows], starts))
        for kind in KINDS:  # an entry without points (or alternates) uses its best other view
            missing = parts[kind] < -0.5
            parts[kind][missing] = np.maximum(parts["chunk"][missing], parts["title"][missing])
        parts["bm25"] = parts["alternate_bm25"] = np.zeros(n, dtype=np.float32)
        if method in ("bm25", "hybrid"):
            parts["bm25"] = _normalised(self.lexical.scores(lexical_query), allowed)
            if len(query.split()) >= LONG_QUESTION_WORDS:
                parts["alternate_bm25"] = _normalised(self.alternate_lexical.scores(lexical_query), allowed)
        parts["glossary"] = named.prior
        return parts

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


def combine(parts: dict, weights: Weights, method: str = "hybrid") -> np.ndarray:
    """The weighted sum of the views (BM25 alone for `bm25`; no BM25 or glossary for `dense`)."""
    if method == "bm25":
        return parts["bm25"].copy()
    scores = (
        weights.title * parts["title"]
        + weights.chunk * parts["chunk"]
        + weights.point * parts["point"]
        + weights.alternate * parts["alternate"]
        + weights.centroid * parts["centroid"]
    )
    if method == "hybrid":
        scores = scores + weights.bm25 * parts["bm25"] + weights.glossary * parts["glossary"]
        scores = scores + weights.alternate_bm25 * parts.get("alternate_bm25", 0.0)
    return scores


def _normalised(raw: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """BM25 divided by the best allowed entry's (zeros when nothing matches)."""
    top = float(raw[allowed].max()) if len(raw) and allowed.any() else 0.0
    return raw / top if top > 0 else np.zeros(len(raw), dtype=np.float32)


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
