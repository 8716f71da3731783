"""The mock interview: questions by difficulty, replies graded by the one grader (follow-ups
against their checks), the report, progress, and `python -m rag interview` with a replies file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.errors import InvalidRequest
from rag.study.follow_ups import check_points, check_text, grade_follow_up, rewords, unseen_follow_ups
from rag.study.interview import plan_interview, read_replies, run_interactive, run_with_replies
from rag.study.progress import ProgressStore

REPO = Path(__file__).resolve().parents[2]
Q8 = "mlops-interview-questions#q8"


def test_easy_asks_the_entries_own_questions_and_hard_asks_follow_ups_first(kb):
    section = "Monitoring & Maintenance"
    members = {e.source_id: e for e in kb.corpus.entries if e.section == section}
    easy = plan_interview(kb, section, n=4, difficulty="easy", seed=1)
    assert [q.prompt for q in easy.questions] == [members[q.source_id].title for q in easy.questions]
    hard = plan_interview(kb, section, n=6, difficulty="hard", seed=1)
    assert all(q.follow_up is not None for q in hard.questions)
    assert hard.questions[0].kind in ("trade-off", "failure")
    for interview in (easy, hard, plan_interview(kb, section, n=12, difficulty="medium", seed=1)):
        assert len({q.prompt for q in interview.questions}) == len(interview.questions)
        assert {q.source_id for q in interview.questions} <= set(members)


def test_a_follow_up_is_graded_against_its_checks(kb):
    entry = kb.retriever.entry(Q8)
    follow_up = next(f for f in kb.study_bank.of(Q8).follow_ups if f.kind == "depth")
    good = (
        "Compare the production feature distributions with the training distributions, using statistical "
        "tests such as Kolmogorov-Smirnov or Chi-Squared and distance metrics such as PSI or Wasserstein."
    )
    strong = grade_follow_up(kb, entry, follow_up, good)
    weak = grade_follow_up(kb, entry, follow_up, "I would retrain the model every night.")
    labels = [p.label for p in check_points(follow_up)]
    assert set(strong.covered) | set(strong.missed) == set(labels)
    assert strong.score > weak.score and strong.covered
    assert {check_text(follow_up, label) for label in labels} == set(follow_up.checks)


def test_unseen_follow_ups_skip_those_asked_and_any_rewording_of_the_question_just_asked(kb):
    bank = kb.study_bank.of(Q8)
    first = bank.follow_ups[0]
    left = unseen_follow_ups(bank, seen={first.question}, just_asked=[], embedder=kb.embedder)
    assert first not in left and len(left) == len(bank.follow_ups) - 1
    title = kb.retriever.entry(Q8).title
    assert rewords(kb.embedder, f"In your own words, and without looking: {title}", [title])
    assert rewords(kb.embedder, title.upper(), [title])
    assert not any(rewords(kb.embedder, f.question, [title]) for f in bank.follow_ups)


def test_follow_ups_never_reword_their_own_entrys_question(kb):
    """Held-out check of the bank: no follow-up asks its entry's own question again."""
    for entry in kb.corpus.entries:
        for follow_up in kb.study_bank.of(entry.source_id).follow_ups:
            assert not rewords(kb.embedder, follow_up.question, [entry.title]), (entry.source_id, follow_up.question)


def test_an_interview_with_replies_gives_the_contract_report_and_records_progress(kb, tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3")
    interview = plan_interview(kb, "drift", n=3, difficulty="medium", seed=2)
    run_with_replies(
        kb,
        interview,
        ["Data drift is when production inputs change from training; monitor distributions and retrain.", ""],
        progress=store,
    )
    doc = interview.to_json()
    assert {"topic", "questions", "score"} <= set(doc) and doc["topic"] == "drift"
    assert len(doc["questions"]) == 3
    for question in doc["questions"]:
        assert set(question) == {"prompt", "source_id", "reply", "score", "covered", "missed", "incorrect"}
    assert doc["questions"][1]["reply"] == "" and doc["questions"][1]["score"] == 0
    assert doc["score"] == pytest.approx(sum(q["score"] for q in doc["questions"]) / 3, abs=1e-3)
    assert [a.source_id for a in store.recent(10)] == [q.source_id for q in reversed(interview.questions)]
    report = interview.report_markdown()
    assert report.startswith("# Mock interview: drift")
    assert report.count("**Model answer:**") == 3 and report.count("**Source:**") == 3
    assert all(q.source_id in report for q in interview.questions)


def test_the_terminal_interview_asks_again_on_an_empty_reply_and_stops_on_q(kb, tmp_path):
    interview = plan_interview(kb, "CI/CD for ML", n=3, difficulty="easy", seed=1)
    replies = iter(["", "Automated tests and deployment pipelines for models.", "q"])
    shown: list[str] = []
    run_interactive(kb, interview, read=lambda prompt: next(replies), write=shown.append)
    assert len(interview.answers) == 1 and interview.answers[0].reply.startswith("Automated")
    assert any("no answer yet" in line for line in shown)
    assert "Done: 1 of 3 answered" in shown[-1]


def test_replies_files_in_each_format(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(["one", "two"]))
    (tmp_path / "b.jsonl").write_text('{"reply": "one"}\n"two"\n')
    (tmp_path / "c.txt").write_text("one\ntwo\n")
    for name in ("a.json", "b.jsonl", "c.txt"):
        assert read_replies(tmp_path / name) == ["one", "two"]
    (tmp_path / "bad.json").write_text("[1, 2")
    with pytest.raises(InvalidRequest):
        read_replies(tmp_path / "bad.json")


def test_bad_difficulty_or_count_is_refused(kb):
    with pytest.raises(InvalidRequest):
        plan_interview(kb, "drift", n=3, difficulty="brutal")
    with pytest.raises(InvalidRequest):
        plan_interview(kb, "drift", n=0)


def run_cli(args, data_dir, tmp_path):
    env = {**os.environ, "RAG_DATA_DIR": str(data_dir), "OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""}
    return subprocess.run(
        [sys.executable, "-m", "rag", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=300
    )


def test_cli_interview_with_a_replies_file_prints_the_contract_json(fresh_data_dir, tmp_path):
    replies = tmp_path / "replies.json"
    replies.write_text(json.dumps(["Track input and prediction distributions and alert on drift.", "No idea."]))
    report = tmp_path / "report.md"
    args = ["interview", "--topic", "Monitoring & Maintenance", "-n", "2", "--replies", str(replies)]
    result = run_cli([*args, "--seed", "3", "--offline", "--json", "--report", str(report)], fresh_data_dir, tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["topic"] == "Monitoring & Maintenance" and len(doc["questions"]) == 2
    assert 0 <= doc["score"] <= 1
    assert doc["questions"][0]["reply"].startswith("Track input")
    assert report.read_text().startswith("# Mock interview")
    progress = run_cli(["progress", "--json"], fresh_data_dir, tmp_path)
    assert json.loads(progress.stdout)["attempts"] == 2


def test_cli_interview_json_without_replies_is_a_one_line_error(fresh_data_dir, tmp_path):
    result = run_cli(["interview", "--topic", "drift", "--json", "--offline"], fresh_data_dir, tmp_path)
    assert result.returncode == 2 and "--replies" in result.stderr and "Traceback" not in result.stderr
