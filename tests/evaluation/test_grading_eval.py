"""The grading calibration run: the grader on replies a person wrote and labelled (eval/grading_dev.jsonl).

168 replies over 28 entries, nine kinds (excellent in other words, short but correct, partial,
fluent but wrong, a negated copy, a keyword salad of the point labels, off-topic, "I don't know",
an injection). The grader's thresholds were set on this file; the figures and the held-out
check (eval/grading_check.jsonl, never tuned on) are in eval/README.md, "Grading".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_rag

from rag.errors import InvalidRequest
from rag.evaluation.grading import evaluate_grading, load_replies
from rag.study.grading import grade_reply

REPO = Path(__file__).resolve().parents[2]
DEV = REPO / "eval" / "grading_dev.jsonl"
DEV2 = REPO / "eval" / "grading_dev2.jsonl"  # a second author, casual replies, hedged true statements
DEV3 = REPO / "eval" / "grading_dev3.jsonl"  # a third author: everyday-word partials, denials in positive words


@pytest.fixture(scope="module")
def dev_run(kb):
    return evaluate_grading(load_replies(DEV), kb.corpus.by_id(), lambda entry, reply: grade_reply(kb, entry, reply))


def test_the_calibration_run_orders_and_separates_the_kinds_of_reply(dev_run):
    summary, details = dev_run
    kinds = summary["kinds"]
    assert summary["n"] == 168 and len({d["source_id"] for d in details}) == 28
    assert summary["ordered"] >= 0.8  # excellent > partial > wrong, per entry
    assert kinds["excellent"] >= 0.9 and kinds["short_correct"] >= 0.5
    assert kinds["wrong"] <= 0.25 and kinds["idk"] <= 0.05 and kinds["injection"] <= 0.05
    assert summary["max"]["negated"] <= 0.15 and summary["max"]["salad"] <= 0.30
    assert summary["agreement"] >= 0.9 and summary["incorrect_agreement"] >= 0.9


def test_a_second_authors_replies_are_ordered_and_hedged_true_statements_keep_their_score(kb):
    summary, _ = evaluate_grading(
        load_replies(DEV2), kb.corpus.by_id(), lambda entry, reply: grade_reply(kb, entry, reply)
    )
    kinds = summary["kinds"]
    assert summary["ordered"] >= 0.8
    assert kinds["excellent"] >= 0.85 and kinds["excellent_hedged"] >= 0.8
    assert kinds["wrong"] <= 0.25 and kinds["idk"] <= 0.05 and summary["max"]["salad"] <= 0.3
    assert summary["max"]["negated"] <= 0.15


def test_a_third_authors_everyday_words_earn_credit_and_stay_ordered(kb):
    summary, _ = evaluate_grading(
        load_replies(DEV3), kb.corpus.by_id(), lambda entry, reply: grade_reply(kb, entry, reply)
    )
    kinds = summary["kinds"]
    assert summary["ordered"] >= 0.9
    assert kinds["excellent"] >= 0.9 and kinds["short_correct"] >= 0.5 and kinds["partial"] >= 0.4
    assert kinds["wrong"] <= 0.2 and kinds["idk"] <= 0.05 and summary["max"]["idk"] <= 0.05
    assert kinds["negated"] <= 0.25  # denials in positive words ("quality holds steady") are caught only in part
    assert summary["max"]["salad"] <= 0.45  # "doing monitoring, detection ... properly": filler is not caught yet


def test_replies_labelled_wrong_have_their_false_claims_listed(dev_run):
    _, details = dev_run
    wrong = [d for d in details if d["kind"] in ("wrong", "negated")]
    assert sum(d["incorrect"] > 0 for d in wrong) >= 0.85 * len(wrong)
    good = [d for d in details if d["kind"] in ("excellent", "short_correct", "partial")]
    assert sum(d["incorrect"] > 0 for d in good) <= 2


def test_eval_grading_prints_the_contract_json(tmp_path, indexed_data_dir):
    rows = [
        {"source_id": "mlops-interview-questions#q8", "kind": "excellent", "reply": "Watch inputs with PSI; alert."},
        {"source_id": "mlops-interview-questions#q8", "kind": "idk", "reply": "I don't know.", "covered": []},
    ]
    replies = tmp_path / "replies.jsonl"
    replies.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    result = run_rag(indexed_data_dir, "eval", "grading", "--replies", str(replies), "--offline", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {"n", "kinds", "ordered", "agreement"} <= set(doc)
    assert doc["n"] == 2 and doc["kinds"]["idk"] == 0.0 and doc["ordered"] is None and doc["agreement"] == 1.0


def test_a_replies_file_with_a_bad_row_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"source_id": "x", "kind": "idk"}\n', encoding="utf-8")
    with pytest.raises(InvalidRequest, match="line 1"):
        load_replies(bad)
    with pytest.raises(InvalidRequest, match="not found"):
        load_replies(tmp_path / "missing.jsonl")
