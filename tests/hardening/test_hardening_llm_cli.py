"""`python -m rag ask` with a failing model: the offline answer as JSON, a one-line notice,
exit 0, no traceback, and the fake API key nowhere in stdout or stderr.

Each run is a real subprocess talking HTTP to the fake server on 127.0.0.1, with a 2 s
timeout and one retry (the settings a user would lower for a flaky local server).
"""

import socket

import pytest
from conftest import CORPUS
from hardening_support import SECRET, assert_json_answer, run_cli

pytestmark = pytest.mark.timeout(300)

QUESTION = "How do you detect data drift in production?"


@pytest.fixture
def ask(fresh_data_dir, tmp_path):
    def run(base_url: str, *extra: str):
        return run_cli(
            "ask",
            QUESTION,
            "--json",
            "-v",
            *extra,  # -v: the logs on stderr must not leak the key either
            data_dir=fresh_data_dir,
            corpus_dir=CORPUS,
            cwd=tmp_path,
            OPENAI_API_KEY=SECRET,
            OPENAI_BASE_URL=base_url,
            RAG_LLM_TIMEOUT="2",
            RAG_LLM_MAX_RETRIES="1",
        )

    return run


def assert_offline_with_notice(run, *words):
    doc = assert_json_answer(run)  # also: no traceback, no key on stdout or stderr
    assert doc["mode"] == "offline" and doc["grounded"] and doc["citations"]
    assert "\n" not in doc["notice"]
    for word in words:
        assert word.lower() in doc["notice"].lower(), doc["notice"]
    return doc


@pytest.mark.parametrize(
    "misbehave, words",
    [
        (lambda s: s.fail(500), ["HTTP 500"]),
        (lambda s: s.fail(429), ["rate-limited", "after 1 retry"]),
        (lambda s: s.stall(30), ["did not answer within"]),
        (lambda s: s.cut_stream(after_chunks=4, abort=True), ["broke"]),
        (lambda s: s.cut_stream(after_chunks=4, abort=False), ["cut off"]),
        (lambda s: s.fail(401), ["API key"]),
    ],
    ids=["500", "429", "stall", "cut-stream-dropped", "cut-stream-ended", "wrong-key-401"],
)
def test_cli_ask_falls_back_offline_with_a_notice(ask, fake_llm, misbehave, words):
    fake_llm.reply("Watch the inputs [1].")
    misbehave(fake_llm)
    assert_offline_with_notice(ask(fake_llm.base_url), *words)
    assert fake_llm.received_api_key(SECRET)


def test_cli_ask_with_an_unreachable_base_url_falls_back_offline(ask):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    assert_offline_with_notice(ask(closed), "connection")


def test_cli_ask_offline_never_calls_the_model(ask, fake_llm):
    doc = assert_json_answer(ask(fake_llm.base_url, "--offline"))
    assert doc["mode"] == "offline" and "notice" not in doc
    assert fake_llm.calls == 0


QUIZ = ["quiz", "--topic", "Model Management", "-n", "3", "--seed", "11", "--json"]
GRADE = [
    "grade",
    "--source-id",
    "mlops-interview-questions#q10",
    "--reply",
    "Keep versions in a registry and roll back to the last good one.",
    "--json",
]


@pytest.mark.parametrize(
    "command, misbehave, words",
    [
        (QUIZ, lambda s: s.reply("Here are your items: 1) What is drift?"), ["offline items", "valid JSON"]),
        (GRADE, lambda s: s.reply("Great answer, 10/10!"), ["graded offline", "valid JSON"]),
        (GRADE, lambda s: s.fail(500), ["graded offline", "HTTP 500"]),
    ],
    ids=["quiz-invalid-json", "grade-invalid-json", "grade-500"],
)
def test_cli_quiz_and_grade_fall_back_offline_with_a_notice(
    fresh_data_dir, tmp_path, fake_llm, command, misbehave, words
):
    misbehave(fake_llm)
    env = dict(OPENAI_API_KEY=SECRET, OPENAI_BASE_URL=fake_llm.base_url, RAG_LLM_TIMEOUT="2", RAG_LLM_MAX_RETRIES="1")
    run = run_cli(*command, "-v", data_dir=fresh_data_dir, corpus_dir=CORPUS, cwd=tmp_path, **env)
    doc = assert_json_answer(run)
    offline = assert_json_answer(
        run_cli(*command, "--offline", data_dir=fresh_data_dir, corpus_dir=CORPUS, cwd=tmp_path)
    )
    assert fake_llm.calls >= 1
    assert "\n" not in doc["notice"] and all(w.lower() in doc["notice"].lower() for w in words)
    assert {k: v for k, v in doc.items() if k != "notice"} == offline
