"""Every LLM call has a wall-clock deadline and a size cap, whatever the server does.

A server that drips a token every few seconds, sends only SSE keep-alive comments, or
drips a non-streamed body a byte at a time never trips the SDK's timeouts (they bound the
silence between reads). Each of these must end in a one-line `LLMError` soon after the
deadline, and the tutor then answers offline with a notice. The pytest timeout is the
hang detector: without the deadline these tests would run for minutes or forever.
"""

import pytest
from conftest import make_settings
from hardening_support import SECRET

from rag.llm import MAX_REPLY_TOKENS, ChatLLM, LLMError
from rag.tutor.tutor import Tutor

pytestmark = pytest.mark.timeout(60)

MESSAGES = [{"role": "user", "content": "What is data drift?"}]
LONG_REPLY = " ".join(f"word{i}" for i in range(60)) + " [1]."


def llm_for(fake_llm, tmp_path, deadline_s: float = 4) -> ChatLLM:
    settings = make_settings(
        tmp_path,
        OPENAI_BASE_URL=fake_llm.base_url,
        OPENAI_API_KEY=SECRET,
        RAG_LLM_TIMEOUT="10",
        RAG_LLM_MAX_RETRIES="1",
        RAG_LLM_DEADLINE=str(deadline_s),
    )
    return ChatLLM(settings)


def test_a_drip_fed_stream_stops_at_the_deadline(fake_llm, tmp_path):
    fake_llm.reply(LONG_REPLY).drip(1)  # 60 chunks, one a second: a minute without the deadline
    received = []
    with pytest.raises(LLMError, match="time limit") as caught:
        for piece in llm_for(fake_llm, tmp_path).stream(MESSAGES):
            received.append(piece)
    assert 0 < len(received) < 20  # it was streaming, and it was stopped
    assert SECRET not in str(caught.value)


def test_a_keep_alive_only_stream_stops_at_the_deadline(fake_llm, tmp_path):
    fake_llm.keep_alive(0.5)  # bytes keep coming, tokens never do
    with pytest.raises(LLMError, match="time limit"):
        list(llm_for(fake_llm, tmp_path).stream(MESSAGES))


def test_a_non_streamed_reply_dripped_byte_by_byte_stops_at_the_deadline(fake_llm, tmp_path):
    fake_llm.reply("fine").drip(0.5)  # a ~400-byte JSON body: minutes at this rate
    with pytest.raises(LLMError, match="time limit"):
        llm_for(fake_llm, tmp_path).complete(MESSAGES)


def test_a_huge_reply_is_refused_and_the_request_caps_tokens(fake_llm, tmp_path):
    fake_llm.reply("drift " * 120_000)  # 720 KB of text
    with pytest.raises(LLMError, match="longer than any answer needs"):
        llm_for(fake_llm, tmp_path, deadline_s=40).complete(MESSAGES)
    assert fake_llm.last_request["max_tokens"] == MAX_REPLY_TOKENS
    with pytest.raises(LLMError, match="longer than any answer needs"):
        list(llm_for(fake_llm, tmp_path, deadline_s=40).stream(MESSAGES))


@pytest.mark.timeout(300)  # building the shared index of the real corpus comes first
def test_the_tutor_answers_offline_when_the_model_drips(kb, fake_llm, tmp_path):
    fake_llm.reply(LONG_REPLY).drip(1)
    stream = Tutor(kb, llm_for(fake_llm, tmp_path)).ask_stream("How do you detect data drift in production?")
    shown = "".join(stream)
    answer = stream.answer
    assert answer.mode == "offline" and answer.answer.strip()
    assert "time limit" in answer.notice
    assert stream.superseded  # the half answer shown while it dripped is replaced, never passed off as whole
    assert shown
