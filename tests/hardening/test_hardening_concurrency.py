"""One retriever (and one tutor) shared by many threads, as the app serves every session
from one, gives the same results as asking one question at a time, and never an error.
"""

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import make_settings

from rag.embeddings import Embedder
from rag.knowledge import KnowledgeBase
from rag.retrieval import UnknownSection
from rag.tutor.tutor import Tutor

pytestmark = pytest.mark.timeout(600)

THREADS = 8
QUERIES = [
    "how do I roll back a bad model",
    "what is data drift and how do you detect it",
    "feature store",
    "CI/CD for machine learning",
    "k8s autoscaling of model servers",
    "A/B testing two models in production",
    "mlfow experiment tracking",  # a typo the lexical side corrects
    "¿Cómo se monitoriza un modelo en producción?",
    "模型监控 model monitoring",
    "\u202eshadow deployment\u202c 🚀",
    "GDPR and PII in training data",
    "what's the weather on Mars",
]
SECTIONS = [None, "Monitoring & Maintenance", "model management", "Imaginary Section"]


def operations() -> list[tuple]:
    """50 mixed searches: every method, filters, k, and some that must fail the same way."""
    rng = random.Random(42)
    ops = []
    for i in range(50):
        ops.append(
            (
                QUERIES[i % len(QUERIES)],
                rng.choice(["hybrid", "hybrid", "dense", "bm25"]),
                rng.choice(SECTIONS),
                rng.random() < 0.25,
                rng.randint(1, 8),
            )
        )
    return ops


def outcome(retriever, op):
    """What a search gave, in a form two runs can be compared by: ids, rounded scores, or the error."""
    query, method, section, big_tech, k = op
    try:
        hits = retriever.search(query, k=k, section=section, big_tech=big_tech, method=method)
    except UnknownSection as exc:
        return ("unknown section", str(exc))
    return tuple((h.entry.source_id, round(h.score, 4), round(h.dense, 4)) for h in hits)


def test_eight_threads_of_mixed_searches_match_the_serial_results(kb, indexed_data_dir):
    ops = operations()
    serial = [outcome(kb.retriever, op) for op in ops]
    assert any(isinstance(o, tuple) and o and o[0] == "unknown section" for o in serial)
    assert sum(1 for o in serial if o and o[0] != "unknown section") > 30

    # A second knowledge base with its own embedder: nothing is cached, so the threads really
    # share one model, one query cache, one BM25 index and one matrix while they search.
    shared = KnowledgeBase(make_settings(indexed_data_dir), Embedder(kb.embedder.model_name_or_path)).retriever

    def worker(seed: int):
        order = list(range(len(ops)))
        random.Random(seed).shuffle(order)
        return {i: outcome(shared, ops[i]) for i in order}

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(worker, range(THREADS)))

    assert len(results) == THREADS
    for per_thread in results:
        assert [per_thread[i] for i in range(len(ops))] == serial


ASK = [
    "How do you detect data drift?",
    "what is a feature store",
    "how would you roll back a model",
    "what's the weather on Mars",  # refused
    "\u202eshadow deployment 🚀",
    "",  # a blank question: refused, never a crash
]


def test_eight_threads_of_searches_and_offline_answers_match_the_serial_results(kb, indexed_data_dir):
    ops = operations()[:30] + [("ask", q) for q in ASK] * 3 + [("coach", q) for q in ASK[:3]] * 2

    def run(retriever, tutor, op):
        if op[0] in ("ask", "coach"):
            answer = tutor.ask(op[1], style="coach" if op[0] == "coach" else "explain")
            return answer.to_json()
        return outcome(retriever, op)

    serial_tutor = Tutor(kb, llm=None)
    serial = [run(kb.retriever, serial_tutor, op) for op in ops]
    assert any(isinstance(o, dict) and o["grounded"] for o in serial)
    assert any(isinstance(o, dict) and not o["grounded"] for o in serial)

    shared_kb = KnowledgeBase(make_settings(indexed_data_dir), Embedder(kb.embedder.model_name_or_path))
    shared_tutor = Tutor(shared_kb, llm=None)

    def worker(seed: int):
        order = list(range(len(ops)))
        random.Random(seed).shuffle(order)
        return {i: run(shared_kb.retriever, shared_tutor, ops[i]) for i in order}

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(worker, range(THREADS)))

    for per_thread in results:
        assert [per_thread[i] for i in range(len(ops))] == serial
