"""Which key points of an entry a question is about: similarities from the index's own vectors.

Similarities reuse the vectors the index already holds for every key point (`point`
passages), so ranking costs one matrix product; a point the index lacks is embedded on the
spot (and cached).
"""

from __future__ import annotations

import threading

import numpy as np

from rag.embeddings import Embedder
from rag.entry import Entry
from rag.retrieval import HybridRetriever
from rag.study.rubric import Point
from rag.tutor.entry_text import BOLD_MARKS, points_of


class PointRanker:
    """Similarity of a question to each key point of an entry (index vectors, cached fallback)."""

    def __init__(self, retriever: HybridRetriever, embedder: Embedder):
        self.retriever = retriever
        self.embedder = embedder
        self._rows = {pid: row for row, pid in enumerate(retriever.passage_ids) if "::point::" in pid}
        self._embedded: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def similarities(self, entry: Entry, query_vector: np.ndarray) -> np.ndarray:
        return self.vectors(entry) @ query_vector

    def vectors(self, entry: Entry) -> np.ndarray:
        n = len(entry.key_point_texts)
        if n == 0:
            return np.zeros((0, len(self.retriever.matrix[0]) if len(self.retriever.matrix) else 384), dtype=np.float32)
        rows = [self._rows.get(f"{entry.source_id}::point::{i}") for i in range(n)]
        if all(r is not None for r in rows):
            return self.retriever.matrix[rows]
        with self._lock:
            if entry.source_id not in self._embedded:
                self._embedded[entry.source_id] = self.embedder.embed(
                    [f"{entry.title}: {BOLD_MARKS.sub('', t)}" for t in entry.key_point_texts]
                )
            return self._embedded[entry.source_id]

    def ranked_points(self, entry: Entry, query_vector: np.ndarray) -> list[tuple[Point, float]]:
        """Top-level points, most similar first (a point is as similar as its best sub-point)."""
        sims = self.similarities(entry, query_vector)
        scored = []
        for point in points_of(entry):
            best = max([float(sims[point.index])] + [float(sims[c]) for c in point.children])
            scored.append((point, best))
        scored.sort(key=lambda ps: -ps[1])
        return scored
