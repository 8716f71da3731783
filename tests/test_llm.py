"""The LLM boundary, talking real HTTP to the fake OpenAI-compatible server.

Every failure a real server can produce (5xx, 429 after retries, a stall past the timeout,
a stream cut either way, garbage, an error event) must come out as one `LLMError` with a
one-line, key-free message, and nothing else.
"""

from __future__ import annotations

import logging

import pytest
from conftest import make_settings
from pydantic import BaseModel

from rag.llm import ChatLLM, LLMError, make_llm

FAKE_KEY = "sk-test-SUPERSECRET-1234567890"
MESSAGES = [{"role": "user", "content": "What is drift?"}]


def llm_for(server, tmp_path, **env) -> ChatLLM:
    values = {
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": FAKE_KEY,
        "RAG_LLM_TIMEOUT": "1",
        "RAG_LLM_MAX_RETRIES": "0",
    }
    values.update(env)
    return make_llm(make_settings(tmp_path, **values))


def test_no_key_and_no_base_url_means_offline(tmp_path):
    assert make_llm(make_settings(tmp_path)) is None


def test_a_local_server_without_key_gets_a_placeholder_key(fake_llm, tmp_path):
    llm = make_llm(make_settings(tmp_path, OPENAI_BASE_URL=fake_llm.base_url, RAG_LLM_MAX_RETRIES="0"))
    fake_llm.reply("hello")
    assert llm.complete(MESSAGES) == "hello"
    assert fake_llm.request_headers[-1]["authorization"].startswith("Bearer ")


def test_describe_names_model_and_server_but_not_the_key(fake_llm, tmp_path):
    llm = llm_for(fake_llm, tmp_path, RAG_CHAT_MODEL="tiny-model")
    assert llm.describe() == f"tiny-model at {fake_llm.base_url}"
    assert FAKE_KEY not in repr(llm)
    assert (
        make_llm(make_settings(tmp_path, OPENAI_API_KEY=FAKE_KEY)).describe()
        == "gpt-4o-mini at https://api.openai.com/v1"
    )


def test_stream_yields_the_reply_in_pieces_and_sends_the_key(fake_llm, tmp_path):
    fake_llm.reply("Drift is a change in the data a model sees [1].")
    pieces = list(llm_for(fake_llm, tmp_path).stream(MESSAGES))
    assert len(pieces) > 3
    assert "".join(pieces) == "Drift is a change in the data a model sees [1]."
    assert fake_llm.last_request["stream"] is True
    assert fake_llm.last_request["messages"] == MESSAGES
    assert fake_llm.received_api_key(FAKE_KEY)


@pytest.mark.parametrize(
    "break_server, words",
    [
        (lambda s: s.fail(500), "HTTP 500"),
        (lambda s: s.fail(429), "rate-limited"),
        (lambda s: s.stall(5), "did not answer within"),
        (lambda s: s.cut_stream(3, abort=True), "broke mid-answer"),
        (lambda s: s.cut_stream(3, abort=False), "cut off"),
        (lambda s: s.garbage(), "not valid JSON"),
    ],
    ids=["500", "429", "stall", "cut-abort", "cut-clean", "garbage"],
)
def test_every_stream_failure_is_one_key_free_llm_error(fake_llm, tmp_path, caplog, break_server, words):
    llm = llm_for(fake_llm, tmp_path)
    break_server(fake_llm)
    received = []
    with caplog.at_level(logging.DEBUG), pytest.raises(LLMError) as caught:
        for piece in llm.stream(MESSAGES):
            received.append(piece)
    message = str(caught.value)
    assert words in message
    assert "\n" not in message
    assert FAKE_KEY not in message and FAKE_KEY not in caplog.text


def test_the_sdk_retries_a_429_then_succeeds(fake_llm, tmp_path):
    llm = llm_for(fake_llm, tmp_path, RAG_LLM_MAX_RETRIES="1")
    fake_llm.fail(429, times=1).reply("fine now")
    assert "".join(llm.stream(MESSAGES)) == "fine now"
    assert fake_llm.calls == 2


def test_retries_are_named_in_the_error(fake_llm, tmp_path):
    llm = llm_for(fake_llm, tmp_path, RAG_LLM_MAX_RETRIES="1")
    fake_llm.fail(503)
    with pytest.raises(LLMError, match="after 1 retry"):
        llm.complete(MESSAGES)
    assert fake_llm.calls == 2


def test_non_streaming_garbage_is_an_llm_error_not_a_json_error(fake_llm, tmp_path):
    fake_llm.garbage()
    with pytest.raises(LLMError, match="not valid JSON"):
        llm_for(fake_llm, tmp_path).complete(MESSAGES)


def test_all_attempts_together_stay_within_the_budget(tmp_path):
    llm = make_llm(make_settings(tmp_path, OPENAI_API_KEY=FAKE_KEY, RAG_LLM_TIMEOUT="30", RAG_LLM_MAX_RETRIES="2"))
    assert llm.attempt_timeout_s * (llm.max_retries + 1) <= 24


class Verdict(BaseModel):
    covered: list[str]
    score: float


def test_complete_json_asks_for_json_and_validates(fake_llm, tmp_path):
    fake_llm.reply('```json\n{"covered": ["Monitoring"], "score": 0.5}\n```')
    verdict = llm_for(fake_llm, tmp_path).complete_json(MESSAGES, Verdict)
    assert verdict == Verdict(covered=["Monitoring"], score=0.5)
    assert fake_llm.last_request["response_format"] == {"type": "json_object"}


def test_complete_json_retries_once_with_the_problem_then_gives_up(fake_llm, tmp_path):
    llm = llm_for(fake_llm, tmp_path)
    fake_llm.replies(['{"covered": "nope"}', '{"covered": [], "score": 1}'])
    assert llm.complete_json(MESSAGES, Verdict).score == 1
    assert "not valid" in fake_llm.last_request["messages"][-1]["content"]

    fake_llm.reset().reply("not json at all")
    with pytest.raises(LLMError, match="valid JSON twice"):
        llm.complete_json(MESSAGES, Verdict)
