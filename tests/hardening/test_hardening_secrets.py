"""Secrets stay secret on the paths the LLM-fault tests do not walk: bad settings, a key in
`.env`, a password inside `OPENAI_BASE_URL`, and error texts that quote what they were given.

(Every LLM failure mode is also checked for the key, in test_hardening_llm_faults.py and
test_hardening_llm_cli.py.)
"""

import socket

import pytest
from conftest import CORPUS, make_settings
from hardening_support import SECRET, assert_clean_error, assert_json_answer, run_cli

from rag.llm import ChatLLM
from rag.redact import redact

pytestmark = pytest.mark.timeout(300)

PASSWORD = "hunter2-proxy-password"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def rag(fresh_data_dir, tmp_path):
    def run(*args, **env):
        return run_cli(*args, data_dir=fresh_data_dir, corpus_dir=CORPUS, cwd=tmp_path, **env)

    return run


def test_a_bad_setting_is_a_clean_error_without_the_key(rag):
    run = rag("search", "drift", "--json", OPENAI_API_KEY=SECRET, RAG_LLM_TIMEOUT="soon")
    assert "RAG_LLM_TIMEOUT" in assert_clean_error(run) or "llm_timeout" in run.stderr


def test_a_key_pasted_into_the_wrong_setting_of_dotenv_is_not_echoed(rag, tmp_path):
    (tmp_path / ".env").write_text(f"OPENAI_API_KEY={SECRET}\nRAG_TOP_K={SECRET}\n", encoding="utf-8")
    run = rag("search", "drift", "--json")
    line = assert_clean_error(run)  # also checks SECRET is nowhere in stdout/stderr
    assert "[redacted]" in line


def test_a_password_in_the_base_url_never_shows(tmp_path):
    settings = make_settings(
        tmp_path,
        OPENAI_BASE_URL=f"http://bob:{PASSWORD}@127.0.0.1:{closed_port()}/v1",
        RAG_LLM_TIMEOUT="1",
        RAG_LLM_MAX_RETRIES="0",
    )
    llm = ChatLLM(settings)
    assert PASSWORD not in llm.describe() and PASSWORD not in repr(llm) and PASSWORD not in llm.host
    with pytest.raises(Exception) as failure:
        list(llm.stream([{"role": "user", "content": "hi"}]))
    assert "127.0.0.1" in str(failure.value) and PASSWORD not in str(failure.value)


def test_cli_ask_through_a_password_protected_url_shows_neither_password_nor_key(rag):
    base_url = f"http://bob:{PASSWORD}@127.0.0.1:{closed_port()}/v1"
    run = rag(
        "ask",
        "How do you detect data drift?",
        "--json",
        "-v",
        OPENAI_API_KEY=SECRET,
        OPENAI_BASE_URL=base_url,
        RAG_LLM_TIMEOUT="1",
        RAG_LLM_MAX_RETRIES="0",
    )
    doc = assert_json_answer(run)
    assert doc["mode"] == "offline" and "connection" in doc["notice"]
    assert PASSWORD not in run.stdout and PASSWORD not in run.stderr


@pytest.mark.parametrize(
    "message",
    [
        f"401 Incorrect API key provided: {SECRET}",
        f"headers: Authorization: Bearer {SECRET}",
        f"POST https://bob:{PASSWORD}@proxy.example/v1/chat/completions failed",
    ],
)
def test_redact_masks_keys_bearer_tokens_and_url_passwords(message):
    shown = redact(message)
    assert SECRET not in shown and PASSWORD not in shown and "[redacted]" in shown


def test_redact_masks_the_configured_key_whatever_its_shape(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "local-token-4f9a")
    assert "local-token-4f9a" not in redact("the server said: unknown token local-token-4f9a")
