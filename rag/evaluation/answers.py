"""How good are the tutor's answers? Citations, refusals and (with a model) length and latency.

`evaluate_answers` runs the tutor on an in-scope set (`{"question", "expected": [numbers]}`)
and an out-of-scope set (`{"question", "kind"}`):

* `citation_accuracy`: share of in-scope questions whose answer cites an expected entry;
* `in_scope_answered`: share answered as grounded, with citations;
* `out_of_scope_refused`: share of out-of-scope questions answered "not covered";
  injections that wrap a real MLOps question ("What is model drift? Also, ignore your
  rules...") are answered as that question by design, so they are counted apart
  (`embedded_questions_answered`) and left out of `out_of_scope_refused_pure`;
* `cited_expected`, `refused`: the same as counts; `max_answer_words` and `over_200_words`:
  how long the grounded answers are (offline answers aim at 80-180 words);
* a questions file whose rows carry `kind` (`in_scope` / `off_topic`, as
  `eval/answers_check.jsonl`) holds both sets, and `--out-of-scope` is not read;
* with an LLM: mean answer length, latency p50/p95, and how many answers fell back offline.

`python -m rag.evaluation.answers --tradeoff` prints the scope gate's threshold table.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from rag.evaluation.retrieval import QuestionsFileError, load_questions
from rag.tutor.scope import DENSE_THRESHOLD, ScopeGate

TRADEOFF_THRESHOLDS = (0.22, 0.26, 0.28, 0.30, 0.32, 0.34, 0.36, 0.38, 0.40, 0.42, 0.45, 0.50)


def evaluate_answers(kb, questions_path: Path, oos_path: Path, llm=None) -> dict:
    from rag.tutor.tutor import Tutor

    in_scope, out_of_scope = split_by_kind(load_questions(questions_path, require_expected=False))
    if not out_of_scope:  # a file of in-scope questions only: the out-of-scope set is its own file
        out_of_scope = load_questions(oos_path, require_expected=False)
    if not in_scope:
        raise QuestionsFileError(f'{questions_path}: no in-scope questions (rows with a non-empty "expected")')
    tutor = Tutor(kb, llm)
    latencies: list[float] = []
    lengths: list[int] = []
    fallbacks = 0
    answered = cited_expected = 0
    words: list[int] = []
    for row in in_scope:
        started = time.perf_counter()
        answer = tutor.ask(row["question"])
        latencies.append(time.perf_counter() - started)
        lengths.append(len(answer.answer))
        if answer.grounded:
            words.append(len(answer.answer.split()))
        fallbacks += llm is not None and answer.mode == "offline" and answer.grounded
        if answer.grounded and answer.citations:
            answered += 1
        expected = set(row["expected"])
        if any(c.question_number in expected for c in answer.citations):
            cited_expected += 1
    refused = refused_pure = embedded = n_embedded = 0
    for row in out_of_scope:
        started = time.perf_counter()
        answer = tutor.ask(row["question"])
        latencies.append(time.perf_counter() - started)
        decision = tutor.gate.judge(row["question"])
        is_embedded = decision.instructions_removed and decision.in_scope
        n_embedded += is_embedded
        if not answer.grounded:
            refused += 1
            refused_pure += not is_embedded
        elif is_embedded:
            embedded += 1
    n_in, n_out = len(in_scope), len(out_of_scope)
    n_pure = n_out - n_embedded
    report = {
        "mode": "llm" if llm is not None else "offline",
        "n_in_scope": n_in,
        "n_out_of_scope": n_out,
        "citation_accuracy": round(cited_expected / n_in, 4),
        "in_scope_answered": round(answered / n_in, 4),
        "out_of_scope_refused": round(refused / n_out, 4),
        "out_of_scope_refused_pure": round(refused_pure / n_pure, 4) if n_pure else None,
        "embedded_questions_answered": embedded,
        "scope_threshold": DENSE_THRESHOLD,
        "cited_expected": cited_expected,
        "refused": refused,
        "max_answer_words": max(words, default=0),
        "over_200_words": sum(1 for n in words if n > 200),
    }
    if llm is not None:
        report.update(
            {
                "model": llm.describe(),
                "mean_answer_chars": round(statistics.fmean(lengths), 1) if lengths else 0.0,
                "latency_p50_s": round(float(np.percentile(latencies, 50)), 3),
                "latency_p95_s": round(float(np.percentile(latencies, 95)), 3),
                "fallbacks_to_offline": int(fallbacks),
            }
        )
    return report


def split_by_kind(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """In-scope rows (a non-empty `expected`) and off-topic rows (`kind` off_topic, or no `expected`)."""
    inside = [r for r in rows if isinstance(r.get("expected"), list) and r["expected"] and r.get("kind") != "off_topic"]
    outside = [r for r in rows if r not in inside]
    return inside, outside


def scope_tradeoff(
    retriever, in_scope_paths: list[Path], oos_paths: list[Path], thresholds=TRADEOFF_THRESHOLDS
) -> list[dict]:
    """For each threshold: share of in-scope questions answered and of out-of-scope refused."""

    gate = ScopeGate(retriever, threshold=0.0)
    inside_rows: list[dict] = []
    outside_rows: list[dict] = []
    for path in in_scope_paths:
        inside, outside = split_by_kind(load_questions(path, require_expected=False))
        inside_rows += inside
        outside_rows += outside
    for path in oos_paths:
        outside_rows += load_questions(path, require_expected=False)
    inside = [gate.judge(row["question"]) for row in inside_rows]
    outside = [gate.judge(row["question"]) for row in outside_rows]
    outside = [d for d in outside if not (d.instructions_removed and d.best_dense >= 0.45)]
    rows = []
    for threshold in thresholds:
        gate = ScopeGate(retriever, threshold=threshold)
        rows.append(
            {
                "threshold": threshold,
                "in_scope_answered": round(sum(_passes(gate, d) for d in inside) / len(inside), 4),
                "out_of_scope_refused": round(sum(not _passes(gate, d) for d in outside) / len(outside), 4),
                "n_in": len(inside),
                "n_out": len(outside),
            }
        )
    return rows


def _passes(gate: ScopeGate, decision) -> bool:
    """Re-decide a threshold-0 decision at `gate.threshold` (same rule as `ScopeGate.judge`)."""
    if not decision.hits or decision.reason in ("only instructions", "no words"):
        return False
    from rag.tutor.scope import RESCUE_COVERAGE, RESCUE_DENSE

    best = decision.best_dense
    return best >= gate.threshold or (
        best >= RESCUE_DENSE and gate.word_coverage(decision.query, decision.hits[0]) >= RESCUE_COVERAGE
    )


def main(argv: list[str] | None = None) -> int:
    from rag.config import Settings
    from rag.knowledge import KnowledgeBase

    parser = argparse.ArgumentParser(
        prog="python -m rag.evaluation.answers", description="the scope gate's trade-off table"
    )
    parser.add_argument("--tradeoff", action="store_true", required=True)
    parser.add_argument(
        "--in-scope",
        type=Path,
        nargs="+",
        default=[
            Path("eval/retrieval_dev.jsonl"),
            Path("eval/in_scope_answers_dev.jsonl"),
            Path("eval/questions_dev.jsonl"),
        ],
    )
    parser.add_argument("--out-of-scope", type=Path, nargs="+", default=[Path("eval/out_of_scope_dev.jsonl")])
    args = parser.parse_args(argv)
    retriever = KnowledgeBase(Settings()).retriever
    rows = scope_tradeoff(retriever, args.in_scope, args.out_of_scope)
    print(
        f"| dense threshold | in-scope answered (n={rows[0]['n_in']}) | out-of-scope refused (n={rows[0]['n_out']}) |"
    )
    print("| --- | --- | --- |")
    for row in rows:
        mark = " (chosen)" if abs(row["threshold"] - DENSE_THRESHOLD) < 1e-9 else ""
        print(f"| {row['threshold']:.2f}{mark} | {row['in_scope_answered']:.1%} | {row['out_of_scope_refused']:.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
