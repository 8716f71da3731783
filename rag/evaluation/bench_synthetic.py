"""Synthetic corpora for the benchmark: how search, the store's add rate and its recall scale with size.

Random unit vectors (so no model time) and generated text with a Zipf vocabulary (so BM25
and typo correction see a realistic vocabulary), added to the real Chroma store with the
real HNSW configuration and searched through a retriever built from what the store returns.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from rag.corpus import Entry
from rag.embeddings import Embedder
from rag.evaluation.bench_measures import current_rss_mb, latency, median_latency, timed_searches

DIMENSION = 384
RECALL_QUERIES = 200
PASSAGES_PER_ENTRY = 4  # a title, two chunks and a key point, like a short real entry
# Chroma's add rate with the store's HNSW settings, measured here: 976/s at 10k, 287/s at 100k
ADD_RATE_AT_10K, ADD_RATE_EXPONENT = 976.0, -0.53


def estimate_synthetic_s(size: int) -> float:
    """Roughly how long one synthetic size takes here: Chroma's add dominates, and slows as the graph grows."""
    rate = ADD_RATE_AT_10K * (max(size, 1_000) / 10_000) ** ADD_RATE_EXPONENT
    return size / rate + size * 2e-4 + 30  # + reading back and building the retriever, + the searches


class SyntheticCorpus:
    """`size` passages of random unit vectors, grouped into entries of generated text.

    Words follow a Zipf law over the real corpus's words plus invented ones; the number
    of distinct words grows with the corpus (Heaps' law, ~20·√tokens) as in real text,
    which is what the BM25 index and the typo correction pay for.
    """

    def __init__(self, size: int, seed_words: list[str], seed: int = 13):
        rng = np.random.default_rng(seed)
        self.size = size
        vectors = rng.standard_normal((size, DIMENSION), dtype=np.float32)
        self.vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        n_entries = -(-size // PASSAGES_PER_ENTRY)
        words_per_entry = 150
        distinct = int(20 * np.sqrt(n_entries * words_per_entry))
        vocabulary = list(dict.fromkeys(seed_words))
        syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
        while len(vocabulary) < distinct:
            vocabulary.append("".join(rng.choice(syllables, size=int(rng.integers(2, 5)))))
        vocabulary = list(dict.fromkeys(vocabulary))
        weights = np.cumsum(1.0 / (np.arange(len(vocabulary)) + 2.7))
        drawn = iter(np.searchsorted(weights, rng.random(n_entries * words_per_entry) * weights[-1]).tolist())

        def words(n: int) -> str:
            return " ".join(vocabulary[next(drawn)] for _ in range(n))

        sections = [f"Section {i}" for i in range(12)]
        self.entries: list[Entry] = []
        self.ids: list[str] = []
        self.metadatas: list[dict] = []
        self.documents: list[str] = []
        kinds = ("title", "chunk", "chunk", "point")
        for e in range(n_entries):
            title = words(8).capitalize() + "?"
            chunks = [words(60), words(60)]
            point = words(12)
            entry = Entry(
                source_id=f"synthetic#{e}",
                question_number=e + 1,
                title=title,
                section=sections[e % len(sections)],
                big_tech=e % 3 == 0,
                answer=f"{chunks[0]}\n\n{chunks[1]}\n\n* **{point.split()[0]}:** {point}",
                key_points=(point.split()[0],),
                key_point_texts=(point,),
            )
            self.entries.append(entry)
            bodies = (title, f"{title}\n{chunks[0]}", f"{title}\n{chunks[1]}", f"{title}: {point}")
            for i, (kind, body) in enumerate(zip(kinds, bodies)):
                if len(self.ids) == size:
                    break
                self.ids.append(f"synthetic#{e}::{kind}::{i}")
                self.metadatas.append({"source_id": entry.source_id, "kind": kind, "hash": str(len(self.ids))})
                self.documents.append(body)


def bench_size(
    size: int, corpus_words: list[str], queries: list[str], embedder: Embedder, workdir: Path, repeats: int
) -> dict:
    from rag.retrieval import HybridRetriever
    from rag.store import VectorStore, forget_client, open_client

    corpus = SyntheticCorpus(size, corpus_words)
    client = open_client(workdir / f"synthetic-{size}")
    store = VectorStore(client, f"synthetic-{size}")
    started = time.perf_counter()
    store.upsert(corpus.ids, corpus.vectors, corpus.metadatas, corpus.documents)
    add_s = time.perf_counter() - started

    started = time.perf_counter()
    passages = store.load_all()
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    retriever = HybridRetriever(corpus.entries, passages, embedder, store=store)
    build_s = time.perf_counter() - started

    runs = [timed_searches(retriever, embedder, queries) for _ in range(repeats)]

    rng = np.random.default_rng(99)
    probes = rng.standard_normal((RECALL_QUERIES, DIMENSION), dtype=np.float32)
    probes /= np.linalg.norm(probes, axis=1, keepdims=True)
    k = min(5, size)
    exact = np.argsort(-(probes @ corpus.vectors.T), axis=1)[:, :k]
    row_of = {pid: r for r, pid in enumerate(corpus.ids)}
    found, store_ms = [], []
    for probe, truth in zip(probes, exact):
        started = time.perf_counter()
        got = store.query(probe, n=k)
        store_ms.append((time.perf_counter() - started) * 1000)
        found.append(len({row_of[pid] for pid, _ in got} & set(truth.tolist())) / k)
    result = {
        "passages": size,
        "entries": len(corpus.entries),
        "search_ms": median_latency([r[0] for r in runs]),
        "retrieval_ms": median_latency([r[1] for r in runs]),
        "add_per_s": round(size / add_s, 1),
        "load_s": round(load_s, 3),
        "build_s": round(build_s, 3),
        "recall_at_5": round(float(np.mean(found)), 4),
        "store_query_ms": latency(store_ms),
        "rss_mb": current_rss_mb(),
    }
    try:
        client.delete_collection(store.name)
    except Exception:  # a leftover collection in a temp dir that is removed anyway
        pass
    forget_client(workdir / f"synthetic-{size}")
    return result
