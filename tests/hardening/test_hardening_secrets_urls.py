"""Secrets in the base URL or split by whitespace never show, and the key is what the server gets.

`OPENAI_BASE_URL=http://user:password@host/v1?api_key=...` used to put the password in the
HTTP library's `-v` log line and send `Authorization: Basic ...` instead of the key; a
query-string secret showed in the app sidebar and the logs; a key with whitespace inside
got past redaction once whitespace was collapsed.
"""

import pytest
from conftest import CORPUS, make_settings
from hardening_support import SECRET, assert_json_answer, run_cli

from rag.errors import UserFacingError, user_message
from rag.llm import ChatLLM
from rag.redact import redact
from rag.rendering import backend_status

pytestmark = pytest.mark.timeout(300)

PASSWORD = "pa55word-XYZ"
QUERY_SECRET = "QSECRET-123456"


def url_with_secrets(fake_llm) -> str:
    return f"http://proxyuser:{PASSWORD}@{fake_llm.host}:{fake_llm.port}/v1?api_key={QUERY_SECRET}"


def test_url_credentials_are_never_sent_and_the_key_is(fake_llm, tmp_path):
    fake_llm.reply("Watch input distributions [1].")
    llm = ChatLLM(make_settings(tmp_path, OPENAI_BASE_URL=url_with_secrets(fake_llm), OPENAI_API_KEY=SECRET))
    assert "".join(llm.stream([{"role": "user", "content": "drift?"}])) == "Watch input distributions [1]."
    assert fake_llm.received_api_key(SECRET)  # Bearer <key>, not Basic <user:password>


def test_the_sidebar_line_shows_neither_password_nor_query_secret(fake_llm, tmp_path):
    settings = make_settings(tmp_path, OPENAI_BASE_URL=url_with_secrets(fake_llm), OPENAI_API_KEY=SECRET)
    line = backend_status(settings, ChatLLM(settings))
    assert PASSWORD not in line and QUERY_SECRET not in line and SECRET not in line
    assert str(fake_llm.port) in line


def test_verbose_cli_logs_hold_no_secret(fake_llm, indexed_data_dir, tmp_path):
    fake_llm.reply("Watch input distributions and alert on shifts [1].")
    run = run_cli(
        "ask",
        "How do you detect data drift?",
        "--json",
        "-v",
        data_dir=indexed_data_dir,
        corpus_dir=CORPUS,
        cwd=tmp_path,
        OPENAI_BASE_URL=url_with_secrets(fake_llm),
        OPENAI_API_KEY=SECRET,
    )
    answer = assert_json_answer(run)
    assert answer["mode"] == "llm"
    assert "HTTP Request" in run.stderr  # the line that used to carry the URL is there, cleaned
    for secret in (PASSWORD, QUERY_SECRET, SECRET):
        assert secret not in run.stderr and secret not in run.stdout


@pytest.mark.parametrize("key", ["sk-test-AAAA BBBB-CCCC", "sk-test-AAAA\tBBBB-CCCC", "sk-test-AAAA\n  BBBB-CCCC"])
def test_a_key_with_whitespace_inside_is_masked_however_the_text_was_reflowed(key):
    body = f"403: invalid key {key} for this project"
    collapsed = " ".join(body.split())
    for text in (body, collapsed, body.replace(" ", "  ")):
        shown = redact(text, key)
        assert "AAAA" not in shown and "BBBB-CCCC" not in shown, shown
    error = type("KeyRefused", (UserFacingError,), {})(body)
    import os

    os.environ["OPENAI_API_KEY"] = key
    try:
        assert "BBBB-CCCC" not in user_message(error)
    finally:
        del os.environ["OPENAI_API_KEY"]


def test_query_string_secrets_are_masked_in_any_text():
    text = "POST http://h/v1/chat/completions?api_key=abc123secret&model=x&token=t0k3n-value"
    shown = redact(text)
    assert "abc123secret" not in shown and "t0k3n-value" not in shown and "model=x" in shown
