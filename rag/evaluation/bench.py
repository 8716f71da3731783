"""The speed benchmark behind `python -m rag bench`: what a user waits for, measured.

Latencies are p50/p95 over many varied queries, and each figure is the median of
`repeats` runs, because this is a small shared machine and one run can be unlucky.
Everything runs in a temp dir, so the user's own `.data/` is never touched:

* the real corpus: a cold index and a no-op re-index (each in a new process, as the
  user runs them), warm search and the query embedding alone (one process, model
  loaded, query cache emptied before each run) and their ratio, a warm offline answer,
  a new process's first offline `ask`, `quiz` and `grade` (each with its peak memory and
  whether it imported torch), and the app's first answer on a fresh server (a new
  process driving `app.py` with Streamlit's AppTest);
* synthetic corpora of the given sizes (random unit vectors, so no model time, and
  generated text with a Zipf vocabulary, so BM25 and typo correction see a realistic
  vocabulary): the add throughput of the real Chroma store with the real HNSW
  configuration, the full hybrid search over a retriever built from what the store
  returns, and the store's recall of the exact (numpy) top 5.

`retrieval_ms` next to each `search_ms` is the same search with the query vector
already cached: the cost of everything but the model.

The default sizes (35 and 10,000) finish in a few minutes on 2 cores; 100,000 passages
take Chroma several minutes more to add, so `estimate_synthetic_s` says how long before
such a run starts.

This module runs the steps in order; the figures are taken by `bench_measures`, the new
processes by `bench_processes`, the queries by `bench_queries`, the synthetic corpora by
`bench_synthetic`.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rag.config import Settings
from rag.corpus import Entry
from rag.embeddings import Embedder
from rag.evaluation.bench_measures import latency, machine, median_latency, peak_rss_mb, ratio, timed_searches
from rag.evaluation.bench_processes import APP_FILE, app_first_answer, noop_reindex, run_command
from rag.evaluation.bench_queries import make_queries
from rag.evaluation.bench_synthetic import bench_size, estimate_synthetic_s

DEFAULT_SIZES = (35, 10_000)
# Synthetic searches embed their queries like the real-corpus ones (same model, same cost), so
# fewer of them do: what changes with the size is retrieval, which `retrieval_ms` isolates.
SYNTHETIC_QUERIES = 50


def grade_reply(entry: Entry) -> str:
    """A plausible partial reply: the entry's first key points, or the start of its answer."""
    points = [p for p in entry.key_point_texts[:2] if p.strip()]
    return " ".join(points) or entry.answer[:200] or entry.title


def run_bench(
    settings: Settings,
    sizes: list[int] = DEFAULT_SIZES,
    queries: int = 200,
    repeats: int = 3,
    embedder: Embedder | None = None,
    progress: bool = True,
    app: bool = True,
) -> dict:
    """Every figure of the benchmark issue as one JSON-ready dict (see the module doc).

    `app=False` leaves out the app's first answer (it needs streamlit and `app.py`)."""
    from tqdm import tqdm

    from rag.knowledge import KnowledgeBase
    from rag.store import forget_client
    from rag.tutor.tutor import Tutor

    repeats = max(1, int(repeats))
    started = time.perf_counter()
    result: dict = {"machine": machine(), "queries": queries, "repeats": repeats}
    skipped: dict[str, str] = {}
    long_sizes = [size for size in sizes if estimate_synthetic_s(size) > 120]
    if long_sizes:
        minutes = sum(estimate_synthetic_s(size) for size in long_sizes) / 60
        print(
            f"bench: synthetic {', '.join(map(str, long_sizes))} passages: about {minutes:.0f} more minutes on "
            "an idle 2-core machine (Chroma adds ~290 passages/s at 100k), more under load",
            file=sys.stderr,
        )
    steps = ["cold index", "no-op re-index", "first commands", "app first answer", "warm search", "warm answer"]
    steps += [f"synthetic {size}" for size in sizes]
    with (
        tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp,
        tqdm(total=len(steps), desc="bench", unit="step", file=sys.stderr, disable=not progress) as bar,
    ):
        workdir = Path(tmp)
        base = settings.model_copy(update={"chroma_host": None})

        def step(name: str) -> None:
            bar.set_postfix_str(name)

        step("cold index")
        cold, cold_facts, data_dir = [], [], None
        for run in range(repeats):
            data_dir = workdir / f"data-{run}"
            wall, report, facts = run_command(
                ["index", "--json"], base.model_copy(update={"data_dir": data_dir}), workdir
            )
            cold.append(wall)
            cold_facts.append(facts)
        result["index_cold_s"] = round(float(np.median(cold)), 2)
        result["index_cold_rss_mb"] = max(f["peak_rss_mb"] for f in cold_facts)
        result["index_cold_imports_torch"] = any(f["torch"] for f in cold_facts)
        result["passages"] = report["chunks"]
        result["entries"] = report["entries"]
        bench_settings = base.model_copy(update={"data_dir": data_dir})
        bar.update()

        step("no-op re-index")
        noop, noop_wall, loads_model = [], [], False
        for _ in range(repeats):
            wall, report = noop_reindex(bench_settings, workdir)
            noop.append(report["seconds"])
            noop_wall.append(wall)
            loads_model = loads_model or report["model_loaded"] or report["embedded"] > 0
        result["reindex_noop_s"] = round(float(np.median(noop)), 3)
        result["reindex_noop_process_s"] = round(float(np.median(noop_wall)), 2)
        result["reindex_noop_loads_model"] = loads_model
        bar.update()

        step("first commands")
        kb = KnowledgeBase(bench_settings, embedder)
        entries = kb.corpus.entries
        question_pool = make_queries(entries, max(queries, 1))
        topics = sorted({e.section for e in entries if e.section}) or ["mlops"]
        graded = [e for e in entries if e.key_point_texts] or entries
        first: dict[str, list] = {"ask": [], "quiz": [], "grade": []}
        for run in range(repeats):
            entry = graded[run % len(graded)]
            commands = {
                "ask": ["ask", question_pool[run % len(question_pool)], "--offline", "--json"],
                "quiz": ["quiz", "--topic", topics[run % len(topics)], "-n", "5", "--offline", "--json"],
                "grade": [
                    "grade",
                    "--source-id",
                    entry.source_id,
                    "--reply",
                    grade_reply(entry),
                    "--offline",
                    "--json",
                ],
            }
            for name, args in commands.items():
                wall, _, facts = run_command(args, bench_settings, workdir)
                first[name].append((wall, facts))
        result["first_process"] = {
            name: {
                "s": round(float(np.median([wall for wall, _ in runs])), 2),
                "peak_rss_mb": max(facts["peak_rss_mb"] for _, facts in runs),
                "imports_torch": any(facts["torch"] for _, facts in runs),
            }
            for name, runs in first.items()
        }
        result["first_answer_s"] = result["first_process"]["ask"]["s"]
        result["quiz_to_ask"] = round(result["first_process"]["quiz"]["s"] / result["first_answer_s"], 2)
        bar.update()

        step("app first answer")
        if not app:
            skipped["app_first_answer_s"] = "left out (app=False)"
        elif not APP_FILE.is_file():
            skipped["app_first_answer_s"] = "app.py is not beside the rag package (an installed copy)"
        elif importlib.util.find_spec("streamlit") is None:  # looked up, not imported: rag/ never imports it
            skipped["app_first_answer_s"] = "streamlit is not installed"
        if "app_first_answer_s" not in skipped:
            runs = [
                app_first_answer(question_pool[run % len(question_pool)], bench_settings, workdir)
                for run in range(repeats)
            ]
            result["app_first_page_s"] = round(float(np.median([r["page_s"] for r in runs])), 2)
            result["app_first_answer_s"] = round(float(np.median([r["answer_s"] for r in runs])), 2)
            result["app_imports_torch"] = any(r["torch"] for r in runs)
            result["app_to_cli_first_answer"] = round(result["app_first_answer_s"] / result["first_answer_s"], 2)
        bar.update()

        step("warm search")
        retriever = kb.retriever
        for q in make_queries(entries, 20, seed=1):  # load the model, touch every code path
            retriever.search(q, k=5)
        runs = [timed_searches(retriever, kb.embedder, question_pool) for _ in range(repeats)]
        result["search_ms"] = median_latency([r[0] for r in runs])
        result["retrieval_ms"] = median_latency([r[1] for r in runs])
        result["embed_query_ms"] = median_latency([r[2] for r in runs])
        result["search_to_embed_floor"] = ratio(result["search_ms"], result["embed_query_ms"])
        bar.update()

        step("warm answer")
        tutor = Tutor(kb, None)
        answers = question_pool[: min(len(question_pool), 50)]
        ask_runs = []
        for _ in range(repeats):
            kb.embedder.clear_query_cache()
            samples = []
            for q in answers:
                t0 = time.perf_counter()
                tutor.ask(q)
                samples.append((time.perf_counter() - t0) * 1000)
            ask_runs.append(latency(samples))
        result["ask_offline_ms"] = median_latency(ask_runs)
        result["ask_to_embed_floor"] = ratio(result["ask_offline_ms"], result["embed_query_ms"])
        result["peak_rss_mb"] = peak_rss_mb()
        result["bench_imports_torch"] = "torch" in sys.modules
        bar.update()

        words = sorted({w.lower() for e in entries for w in f"{e.title} {e.answer}".split() if w.isalpha()})
        synthetic = {}
        for size in sizes:
            step(f"synthetic {size}")
            synthetic_queries = question_pool[:SYNTHETIC_QUERIES]
            synthetic[str(size)] = bench_size(size, words, synthetic_queries, kb.embedder, workdir, repeats)
            bar.update()
        result["synthetic"] = synthetic
        result["peak_rss_with_synthetic_mb"] = peak_rss_mb()
        del kb, retriever
        for run in range(repeats):
            forget_client(workdir / f"data-{run}" / "index")
    if skipped:
        result["skipped"] = skipped
    result["bench_s"] = round(time.perf_counter() - started, 1)
    return result
