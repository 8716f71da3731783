"""Odd questions: empty ones get a clear error, everything else an answer or a plain refusal.

Huge text, control characters, NULs, terminal escapes, emoji, right-to-left marks, mixed
scripts and bytes that are not UTF-8 are what a paste from anywhere brings. None of them
may crash the tutor, break the JSON on stdout or reach the user as a traceback.
"""

import pytest
from conftest import CORPUS
from hardening_support import assert_clean_error, assert_json_answer, run_cli

from rag.tutor.tutor import Tutor

pytestmark = pytest.mark.timeout(300)

DRIFT = "How do you detect data drift in production?"
HUGE = (DRIFT + " ") * 7000  # ~310 KB: more than a command line can even carry
ODD = {
    "control characters": "How do you\x01\x02\x7f detect\x1b[31m data drift\x1b[0m?",
    "NULs": "How do you\x00 detect\x00 data drift?",
    "emoji": "🚀🔥 How do you detect data drift? 📉🤖",
    "right-to-left marks": "\u202eHow do you detect\u202c data drift?\u200f\u2067",
    "mixed scripts": "Как обнаружить data drift 模型漂移 في الإنتاج?",
    "zero-width and BOM": "\ufeffHow\u200b do\u200d you detect data\u2060 drift?",
    "combining marks": "Ho\u0301w do you de\u0308tect data drift?",
    "only invisible characters": "\u200b\u200f\u202e\x00\x01",
    "only emoji": "🚀🚀🚀",
    "lone surrogates": "How do you detect \ud800 data drift\udfff?",
}


@pytest.fixture
def tutor(kb):
    return Tutor(kb, llm=None)


@pytest.fixture
def rag(fresh_data_dir, tmp_path):
    def run(*args, stdin=None, **env):
        return run_cli(*args, data_dir=fresh_data_dir, corpus_dir=CORPUS, cwd=tmp_path, stdin=stdin, **env)

    return run


def assert_answered_or_refused(answer, retrieved_ids):
    assert answer.mode == "offline" and answer.answer.strip()
    if answer.grounded:
        assert answer.citations and {c.source_id for c in answer.citations} <= retrieved_ids
    else:
        assert answer.citations == []


# ------------------------------------------------------------------------ library


@pytest.mark.parametrize("kind", list(ODD))
def test_odd_unicode_is_answered_or_refused(tutor, kb, kind):
    answer = tutor.ask(ODD[kind])
    retrieved = {h.entry.source_id for h in kb.retriever.search(ODD[kind], k=10)}
    assert_answered_or_refused(answer, retrieved | {e.source_id for e in kb.corpus.entries})
    assert "\x00" not in answer.answer and "\x1b" not in answer.answer


@pytest.mark.parametrize("kind", ["control characters", "NULs", "emoji", "right-to-left marks", "zero-width and BOM"])
def test_noise_around_a_real_question_does_not_change_what_it_is_about(tutor, kind):
    plain = tutor.ask(DRIFT)
    noisy = tutor.ask(ODD[kind])
    assert noisy.grounded and plain.grounded
    assert noisy.citations[0].source_id == plain.citations[0].source_id


def test_a_question_of_only_invisible_characters_is_refused_plainly(tutor):
    answer = tutor.ask(ODD["only invisible characters"])
    assert not answer.grounded and answer.citations == []


def test_a_300_kb_question_is_truncated_with_a_note_and_answered(tutor, kb):
    answer = tutor.ask(HUGE)
    assert answer.grounded and answer.citations
    assert answer.notice and f"{len(HUGE.strip()):,}" in answer.notice
    assert f"{kb.settings.max_question_chars:,}" in answer.notice or "first" in answer.notice


# ---------------------------------------------------------------------------- CLI


@pytest.mark.parametrize("question", ["", "   ", "\n\t \n"])
def test_cli_refuses_an_empty_or_blank_question(rag, question):
    assert_clean_error(rag("ask", question, "--offline", "--json"), "empty question")


def test_cli_refuses_a_blank_question_on_stdin(rag):
    assert_clean_error(rag("ask", "-", "--offline", "--json", stdin=" \n\t\n"), "empty question")


def test_cli_answers_a_300_kb_question_from_stdin_with_a_note(rag):
    doc = assert_json_answer(rag("ask", "-", "--offline", "--json", stdin=HUGE))
    assert doc["grounded"] and doc["citations"]
    assert "only its first" in doc["notice"]


def test_cli_answers_odd_unicode_with_nuls_from_stdin(rag):
    question = " ".join(ODD[k] for k in ("control characters", "NULs", "emoji", "right-to-left marks", "mixed scripts"))
    doc = assert_json_answer(rag("ask", "-", "--offline", "--json", stdin=question))
    assert doc["mode"] == "offline" and doc["answer"]
    assert doc["grounded"] == bool(doc["citations"])


def test_cli_answers_odd_unicode_on_the_command_line(rag):
    doc = assert_json_answer(
        rag("ask", ODD["right-to-left marks"] + " " + ODD["emoji"] + " " + ODD["mixed scripts"], "--offline", "--json")
    )
    assert doc["grounded"] and doc["citations"]


def test_cli_output_stays_valid_json_when_the_query_is_not_utf8(rag):
    undecodable = b"model \xff\xfe drift".decode("utf-8", "surrogateescape")  # what Python makes of such argv bytes
    doc = assert_json_answer(rag("search", undecodable, "-k", "2", "--method", "bm25", "--json", LC_ALL="C.UTF-8"))
    assert doc["hits"] and "drift" in doc["query"]


def test_cli_is_quiet_when_the_reader_closes_the_pipe_early(fresh_data_dir, tmp_path):
    import subprocess
    import sys

    from hardening_support import cli_env

    # `rag search ... | true`: the reader is gone before the result is written.
    done = subprocess.run(
        f"{sys.executable} -m rag search drift -k 20 --method bm25 --json | true",
        shell=True,
        cwd=tmp_path,
        env=cli_env(fresh_data_dir, CORPUS),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
