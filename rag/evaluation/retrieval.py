"""Retrieval metrics over a JSONL of {"question", "expected": [numbers]}.

hit@k: share of questions with any expected entry in the top k. MRR: mean of 1/rank of
the first expected entry (0 when none is in the top 10). Rows with a `style` (paraphrase,
scenario, keywords, ...) are also scored per style, under `styles`.
"""

from __future__ import annotations

import json
from pathlib import Path

from rag.errors import UserFacingError

MRR_DEPTH = 10


class QuestionsFileError(UserFacingError, ValueError):
    """A question set that cannot be read; the message names the file and line."""


def load_questions(path: Path, require_expected: bool = True) -> list[dict]:
    """Each line a JSON object with a non-empty "question"; errors name the line."""
    path = Path(path)
    if not path.is_file():
        raise QuestionsFileError(f"questions file not found: {path}")
    rows: list[dict] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise QuestionsFileError(f"{path}: not UTF-8 text") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionsFileError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row["question"].strip():
            raise QuestionsFileError(f'{path}:{number}: expected an object with a non-empty "question"')
        if require_expected:
            expected = row.get("expected")
            if not isinstance(expected, list) or not expected or not all(isinstance(x, int) for x in expected):
                raise QuestionsFileError(f'{path}:{number}: "expected" must be a non-empty list of entry numbers')
        rows.append(row)
    if not rows:
        raise QuestionsFileError(f"{path}: no questions")
    return rows


def rank_of_first(ranked: list[int | None], expected: set[int]) -> int | None:
    for position, number in enumerate(ranked, start=1):
        if number in expected:
            return position
    return None


def retrieval_metrics(ranks: list[int | None]) -> dict:
    n = len(ranks)
    if n == 0:
        return {"n": 0, "hit@1": 0.0, "hit@3": 0.0, "hit@5": 0.0, "mrr": 0.0}

    def hit(k: int) -> float:
        return sum(1 for r in ranks if r is not None and r <= k) / n

    mrr = sum(1.0 / r for r in ranks if r is not None and r <= MRR_DEPTH) / n
    return {
        "n": n,
        "hit@1": round(hit(1), 4),
        "hit@3": round(hit(3), 4),
        "hit@5": round(hit(5), 4),
        "mrr": round(mrr, 4),
    }


def evaluate_retrieval(retriever, questions: list[dict], method: str = "hybrid") -> tuple[dict, list[dict]]:
    """Metrics plus the per-question ranks (the misses are what to study next)."""
    ranks: list[int | None] = []
    details: list[dict] = []
    by_style: dict[str, list[int | None]] = {}
    for row in questions:
        hits = retriever.search(row["question"], k=MRR_DEPTH, method=method)
        ranked = [h.entry.question_number for h in hits]
        rank = rank_of_first(ranked, set(row["expected"]))
        ranks.append(rank)
        if isinstance(row.get("style"), str):
            by_style.setdefault(row["style"], []).append(rank)
        details.append({"question": row["question"], "expected": row["expected"], "rank": rank, "top": ranked[:5]})
    metrics = retrieval_metrics(ranks)
    if by_style:
        metrics["styles"] = {style: retrieval_metrics(style_ranks) for style, style_ranks in sorted(by_style.items())}
    return metrics, details
