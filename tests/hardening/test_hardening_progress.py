"""A progress file that is corrupt, truncated or held by another program: through the CLI
the quiz still runs and grades, the problem is said once in plain words, and the file is
never replaced by a fresh empty one (its bytes, or at least its history, are unchanged).

The store's own behaviour is in test_progress.py; here the whole command runs in a
subprocess, as a learner would start it.
"""

import re
import sqlite3
from types import SimpleNamespace

import pytest
from conftest import CORPUS
from hardening_support import assert_json_answer, assert_no_trace, run_cli

from rag.study.progress import ProgressStore

pytestmark = pytest.mark.timeout(300)

TOPIC = "Model Management"


@pytest.fixture
def history(fresh_data_dir, kb):
    """A progress file holding two earlier attempts; returns its path."""
    path = fresh_data_dir / "progress.sqlite3"
    store = ProgressStore(path)
    for entry, score in zip([e for e in kb.corpus.entries if e.section == TOPIC][:2], (0.9, 0.3)):
        item = SimpleNamespace(
            id=f"{entry.source_id}:earlier", source_id=entry.source_id, section=entry.section, kind="open"
        )
        store.record(item, SimpleNamespace(score=score))
    store.close()
    return path


def attempts_in(path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT item_id FROM attempts ORDER BY id")]


@pytest.fixture
def rag(fresh_data_dir, tmp_path):
    def run(*args, stdin=None):
        return run_cli(*args, data_dir=fresh_data_dir, corpus_dir=CORPUS, cwd=tmp_path, stdin=stdin)

    return run


def graded(run) -> int:
    """How many replies the terminal quiz graded (each grade starts 'score 0.NN', after the prompt)."""
    return len(re.findall(r"(?m)(?:^|> )score \d\.\d\d$", run.stdout))


def corrupt(path, how: str) -> bytes:
    data = path.read_bytes()
    if how == "garbage":
        path.write_bytes(b"\x13\x37 not a database \xff\x00" * (len(data) // 20 + 1))
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "scribbled pages":
        path.write_bytes(data[:100] + b"\xab" * (len(data) - 100))  # header intact, pages gone
    return path.read_bytes()


@pytest.mark.parametrize("how", ["garbage", "truncated", "scribbled pages"])
def test_progress_command_reports_a_damaged_file_and_leaves_it_alone(rag, history, how):
    before = corrupt(history, how)
    doc = assert_json_answer(rag("progress", "--json"))
    assert "progress file" in doc["notice"] and "untouched" in doc["notice"]
    assert history.read_bytes() == before


def test_an_interactive_quiz_runs_over_a_corrupt_progress_file(rag, history):
    before = corrupt(history, "garbage")
    run = rag(
        "quiz",
        "--topic",
        TOPIC,
        "-n",
        "2",
        "--seed",
        "5",
        "--offline",
        stdin="a\nkeep the last good version in a registry\n",
    )
    assert run.returncode == 0
    assert_no_trace(run)
    assert graded(run) == 2 and "Done: 2 answered" in run.stdout
    assert "note: the progress file" in run.stdout and "untouched" in run.stdout
    assert history.read_bytes() == before


def test_a_weak_spots_quiz_works_over_a_corrupt_progress_file(rag, history):
    before = corrupt(history, "garbage")
    doc = assert_json_answer(rag("quiz", "--topic", "weak spots", "-n", "3", "--seed", "5", "--offline", "--json"))
    assert doc["items"]
    assert history.read_bytes() == before


def test_a_quiz_while_another_program_holds_the_file_keeps_the_history(rag, history):
    holder = sqlite3.connect(history, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program is writing, for longer than the store waits
    try:
        run = rag("quiz", "--topic", TOPIC, "-n", "2", "--seed", "5", "--offline", stdin="b\nuse a model registry\n")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert run.returncode == 0
    assert_no_trace(run)
    assert graded(run) == 2
    assert "kept in memory" in run.stdout
    assert (
        attempts_in(history) == [a for a in attempts_in(history) if a.endswith(":earlier")]
        and len(attempts_in(history)) == 2
    )
    with sqlite3.connect(history) as conn:
        assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]


def test_a_healthy_file_gets_the_new_attempts_appended(rag, history):
    run = rag("quiz", "--topic", TOPIC, "-n", "2", "--seed", "5", "--offline", stdin="a\nuse a model registry\n")
    assert run.returncode == 0 and "note:" not in run.stdout
    recorded = attempts_in(history)
    assert len(recorded) == 4 and recorded[:2] == [a for a in recorded if a.endswith(":earlier")]
