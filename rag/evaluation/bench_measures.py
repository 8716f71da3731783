"""How the benchmark takes its figures: latency percentiles, memory, the machine, one timed search run."""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

from rag.embeddings import Embedder


def latency(samples_ms: list[float]) -> dict:
    """p50/p95 of one run's latencies, in milliseconds."""
    values = np.asarray(samples_ms, dtype=np.float64)
    return {"p50": round(float(np.percentile(values, 50)), 2), "p95": round(float(np.percentile(values, 95)), 2)}


def median_latency(runs: list[dict]) -> dict:
    """The median over runs of each percentile."""
    return {key: round(float(np.median([run[key] for run in runs])), 2) for key in ("p50", "p95")}


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    out = {"cpu": cpu, "cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        out["memory_gb"] = round(pages / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    if hasattr(os, "getloadavg"):
        out["load_1min"] = round(os.getloadavg()[0], 2)
    return out


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def ratio(slow: dict, floor: dict) -> dict:
    """Each percentile of `slow` as a multiple of the same percentile of `floor`."""
    return {key: round(slow[key] / floor[key], 2) if floor[key] else None for key in ("p50", "p95")}


def current_rss_mb() -> float | None:
    """Resident memory of this process now (from /proc, so Linux only; None elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def timed_searches(retriever, embedder: Embedder, queries: list[str]) -> tuple[dict, dict, dict]:
    """One run: (search_ms, retrieval_ms, embed_query_ms) over the queries, cache emptied first."""
    embedder.clear_query_cache()
    search, retrieval, embed = [], [], []
    for q in queries:
        started = time.perf_counter()
        retriever.search(q, k=5)
        search.append((time.perf_counter() - started) * 1000)
    for q in queries:  # now every query vector is cached: the rest of retrieval alone
        started = time.perf_counter()
        retriever.search(q, k=5)
        retrieval.append((time.perf_counter() - started) * 1000)
    for q in queries:
        started = time.perf_counter()
        embedder.embed([q])
        embed.append((time.perf_counter() - started) * 1000)
    return latency(search), latency(retrieval), latency(embed)
