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
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rag.config import Settings
from rag.corpus import Entry
from rag.embeddings import Embedder

DIMENSION = 384
RECALL_QUERIES = 200
PASSAGES_PER_ENTRY = 4  # a title, two chunks and a key point, like a short real entry
DEFAULT_SIZES = (35, 10_000)
# Synthetic searches embed their queries like the real-corpus ones (same model, same cost), so
# fewer of them do: what changes with the size is retrieval, which `retrieval_ms` isolates.
SYNTHETIC_QUERIES = 50
APP_FILE = Path(__file__).resolve().parents[2] / "app.py"
# Chroma's add rate with the store's HNSW settings, measured here: 976/s at 10k, 287/s at 100k
ADD_RATE_AT_10K, ADD_RATE_EXPONENT = 976.0, -0.53


# ---------------------------------------------------------------------------- results


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


# ---------------------------------------------------------------------------- queries


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def make_queries(entries: list[Entry], n: int, seed: int = 7) -> list[str]:
    """`n` distinct queries of the shapes learners type, drawn from the corpus itself.

    Whole questions, lower-cased questions, terse keyword queries, key points asked as
    questions, a typo in a long word, and two topics in one question.
    """
    rng = random.Random(seed)
    pool: list[str] = []
    for e in entries:
        words = [w.strip("?,.:()") for w in e.title.split()]
        long_words = [w for w in words if len(w) > 4]
        pool.append(e.title)
        pool.append(e.title.lower().rstrip("?"))
        if long_words:
            pool.append(" ".join(long_words[:3]).lower())
            typo_at = rng.randrange(len(long_words))
            pool.append(" ".join(_typo(w, rng) if i == typo_at else w for i, w in enumerate(long_words)).lower())
        for point in e.key_points:
            pool.append(f"what is {point.lower()} in {e.section.lower()}?")
            pool.append(point)
    rng.shuffle(pool)
    titles = [e.title.rstrip("?") for e in entries] or ["what is mlops"]
    for a in titles:  # two topics in one question, until there are enough
        for b in titles:
            if len(set(pool)) >= n:
                break
            if a != b:
                pool.append(f"{a} and {b.lower()}?")
    unique = list(dict.fromkeys(q for q in pool if q.strip()))
    while len(unique) < n:  # a corpus of one or two entries: numbered variants
        unique.append(f"{titles[len(unique) % len(titles)]} (part {len(unique)})")
    return unique[:n]


# ------------------------------------------------------------------------- processes


def _env(settings: Settings) -> dict:
    """The environment of a CLI subprocess: these settings, no LLM, the embedded store."""
    env = dict(os.environ)
    env.update(
        RAG_DATA_DIR=str(Path(settings.data_dir).resolve()),
        RAG_CORPUS_DIR=str(Path(settings.corpus_dir).resolve()),
        RAG_EMBEDDING_MODEL=settings.embedding_model,
        CHROMA_HOST="",
        OPENAI_API_KEY="",
        OPENAI_BASE_URL="",
    )
    env.pop("RAG_DEBUG", None)
    return env


def _run(args: list[str], settings: Settings, cwd: Path, env: dict | None = None) -> tuple[float, dict]:
    """Run `python <args>` in a new process; its wall time and its JSON document."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], env=env or _env(settings), cwd=cwd, capture_output=True, text=True, timeout=900
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise RuntimeError(f"`{' '.join(args[:3])}` failed: {reason[:300]}")
    return wall, json.loads(done.stdout.strip().splitlines()[-1])


# `python -m rag ARGS` as the user runs it, reporting afterwards (on stderr, one tagged line)
# its peak memory and whether torch was imported; stdout stays the command's JSON.
_COMMAND = """
import json, resource, sys
from rag.cli import main
code = main(sys.argv[1:])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sys.stderr.write("\\nrag-bench " + json.dumps({"peak": peak, "torch": "torch" in sys.modules}) + "\\n")
sys.exit(code)
"""


def run_command(args: list[str], settings: Settings, cwd: Path) -> tuple[float, dict, dict]:
    """A new process's `python -m rag ARGS`: wall time, JSON document, {peak_rss_mb, torch}."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _COMMAND, *args],
        env=_env(settings),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise RuntimeError(f"`rag {' '.join(args[:2])}` failed: {reason[:300]}")
    tagged = [line for line in done.stderr.splitlines() if line.startswith("rag-bench ")]
    facts = json.loads(tagged[-1].removeprefix("rag-bench ")) if tagged else {"peak": 0, "torch": None}
    unit = 2**20 if sys.platform == "darwin" else 2**10
    return wall, json.loads(done.stdout), {"peak_rss_mb": round(facts["peak"] / unit, 1), "torch": facts["torch"]}


# A fresh Streamlit server's first answer: AppTest runs app.py as the server would, in a new
# process; the question is asked as soon as the first page is drawn.
_APP_FIRST_ANSWER = """
import json, sys, time
started = time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=600).run()
page_s = time.perf_counter() - started
at.chat_input[0].set_value(sys.argv[2]).run()
answer_s = time.perf_counter() - started
answered = any(m.name == "assistant" for m in at.chat_message) and not at.exception
print(json.dumps({"page_s": page_s, "answer_s": answer_s, "answered": answered, "torch": "torch" in sys.modules}))
"""


def app_first_answer(question: str, settings: Settings, cwd: Path) -> dict:
    """Seconds from a fresh app process to its first page and to its first offline answer."""
    env = _env(settings)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(APP_FILE.parent), env.get("PYTHONPATH", "")) if p)
    _, report = _run(["-c", _APP_FIRST_ANSWER, str(APP_FILE), question], settings, cwd, env=env)
    if not report["answered"]:
        raise RuntimeError("the app drew no answer")
    return report


def estimate_synthetic_s(size: int) -> float:
    """Roughly how long one synthetic size takes here: Chroma's add dominates, and slows as the graph grows."""
    rate = ADD_RATE_AT_10K * (max(size, 1_000) / 10_000) ** ADD_RATE_EXPONENT
    return size / rate + size * 2e-4 + 30  # + reading back and building the retriever, + the searches


_NOOP_REINDEX = """
import json, sys
from rag.config import Settings
from rag.indexing import build_index
report = build_index(Settings(), progress=False)
print(json.dumps({"seconds": report.seconds, "embedded": report.embedded,
                  "model_loaded": "sentence_transformers" in sys.modules or "torch" in sys.modules}))
"""


# ------------------------------------------------------------------------- real corpus


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


# --------------------------------------------------------------------------- synthetic


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
        "rss_mb": _current_rss_mb(),
    }
    try:
        client.delete_collection(store.name)
    except Exception:  # a leftover collection in a temp dir that is removed anyway
        pass
    forget_client(workdir / f"synthetic-{size}")
    return result


def _current_rss_mb() -> float | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


# ---------------------------------------------------------------------------- the run


def ratio(slow: dict, floor: dict) -> dict:
    """Each percentile of `slow` as a multiple of the same percentile of `floor`."""
    return {key: round(slow[key] / floor[key], 2) if floor[key] else None for key in ("p50", "p95")}


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
            wall, report = _run(["-c", _NOOP_REINDEX], bench_settings, workdir)
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
