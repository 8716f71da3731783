"""`grade` takes a reply of any length: `--reply -` reads stdin and `--reply-file` a file, as `ask -` does.

A reply longer than the 128 KB argument limit could not be passed at all.
"""

import pytest
from conftest import CORPUS
from hardening_support import assert_json_answer, run_cli

pytestmark = pytest.mark.timeout(300)

LONG_REPLY = "Monitor the input distributions and retrain when they drift. " * 3000  # ~190 KB


def test_a_long_reply_from_stdin_is_graded(indexed_data_dir, tmp_path):
    run = run_cli(
        "grade",
        "--source-id",
        "mlops-interview-questions#q8",
        "--reply",
        "-",
        "--offline",
        "--json",
        data_dir=indexed_data_dir,
        corpus_dir=CORPUS,
        cwd=tmp_path,
        stdin=LONG_REPLY,
    )
    result = assert_json_answer(run)
    assert result["source_id"] == "mlops-interview-questions#q8" and 0 <= result["score"] <= 1


def test_a_long_reply_from_a_file_is_graded(indexed_data_dir, tmp_path):
    reply = tmp_path / "reply.txt"
    reply.write_text(LONG_REPLY, encoding="utf-8")
    args = ("grade", "--source-id", "mlops-interview-questions#q8", "--reply-file", str(reply), "--offline", "--json")
    result = assert_json_answer(run_cli(*args, data_dir=indexed_data_dir, corpus_dir=CORPUS, cwd=tmp_path))
    assert 0 <= result["score"] <= 1
    missing = run_cli(
        *args[:4], str(tmp_path / "nope.txt"), *args[5:], data_dir=indexed_data_dir, corpus_dir=CORPUS, cwd=tmp_path
    )
    assert missing.returncode == 2 and "reply file" in missing.stderr
