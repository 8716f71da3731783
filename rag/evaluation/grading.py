"""How well the grader tells right from wrong, on replies written and labelled by a person.

A replies file is JSONL of `{"source_id", "kind", "reply"}`, optionally labelled with
`"covered"` (the point labels a person credits) and `"incorrect"` (whether the reply makes a
false claim). Kinds are free text; `excellent`, `partial` and `wrong` are the three whose
order is checked: on how many entries does excellent score above partial, and partial above
wrong (an entry counts when it has all three).

`agreement` is the share of point decisions (covered or not, one per rubric point of each
labelled reply) that match the labels; `incorrect_agreement` the share of labelled replies
where "has an incorrect claim" matches.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from rag.entry import Entry
from rag.errors import InvalidRequest
from rag.study.grading import Grade
from rag.study.rubric import rubric_points

ORDERED_KINDS = ("excellent", "partial", "wrong")


def load_replies(path: Path) -> list[dict]:
    """The rows of a replies file; a missing file or a row without source_id/kind/reply is a user error."""
    path = Path(path)
    if not path.is_file():
        raise InvalidRequest(f"replies file not found: {path}")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise InvalidRequest(f"{path.name} line {number}: not JSON") from None
        if not isinstance(row, dict) or not all(isinstance(row.get(k), str) for k in ("source_id", "kind", "reply")):
            raise InvalidRequest(f"{path.name} line {number}: needs string fields source_id, kind and reply")
        rows.append(row)
    return rows


def evaluate_grading(
    rows: Iterable[dict], entries: dict[str, Entry], grade: Callable[[Entry, str], Grade]
) -> tuple[dict, list[dict]]:
    """Grade every row with `grade(entry, reply)`: the summary (the CLI's JSON) and one detail per row."""
    details: list[dict] = []
    scores: dict[str, list[float]] = defaultdict(list)
    by_entry: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    decisions = agreed = 0
    flagged = flagged_agreed = 0
    for row in rows:
        entry = entries.get(row["source_id"])
        if entry is None:
            raise InvalidRequest(f"unknown source id {row['source_id']!r} in the replies file")
        result = grade(entry, row["reply"])
        scores[row["kind"]].append(result.score)
        by_entry[entry.source_id][row["kind"]].append(result.score)
        detail = {
            "source_id": entry.source_id,
            "kind": row["kind"],
            "score": round(result.score, 3),
            "covered": list(result.covered),
            "incorrect": len(result.incorrect),
        }
        if isinstance(row.get("covered"), list):
            expected = {label.lower() for label in row["covered"]}
            got = {label.lower() for label in result.covered}
            labels = [p.label.lower() for p in rubric_points(entry)]
            decisions += len(labels)
            agreed += sum((label in expected) == (label in got) for label in labels)
            detail["disagree"] = sorted(expected ^ got)
        if isinstance(row.get("incorrect"), bool):
            flagged += 1
            flagged_agreed += row["incorrect"] == bool(result.incorrect)
        details.append(detail)
    summary = {
        "n": len(details),
        "kinds": {kind: round(sum(v) / len(v), 3) for kind, v in scores.items()},
        "ordered": _ordered_share(by_entry),
        "agreement": round(agreed / decisions, 3) if decisions else None,
        "incorrect_agreement": round(flagged_agreed / flagged, 3) if flagged else None,
        "max": {kind: round(max(v), 3) for kind, v in scores.items()},
        "min": {kind: round(min(v), 3) for kind, v in scores.items()},
    }
    return summary, details


def _ordered_share(by_entry: dict[str, dict[str, list[float]]]) -> float | None:
    """Share of entries (with all of excellent, partial, wrong) where excellent > partial > wrong, by mean."""
    complete = [kinds for kinds in by_entry.values() if all(kinds.get(k) for k in ORDERED_KINDS)]
    if not complete:
        return None
    ordered = 0
    for kinds in complete:
        mean = {k: sum(kinds[k]) / len(kinds[k]) for k in ORDERED_KINDS}
        ordered += mean["excellent"] > mean["partial"] > mean["wrong"]
    return round(ordered / len(complete), 3)
