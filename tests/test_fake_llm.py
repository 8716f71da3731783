"""The fake LLM server, exercised with the real openai SDK client."""

import json
import threading
import time

import openai
import pytest
from fake_llm import FakeLLM

pytestmark = pytest.mark.timeout(15)

KEY = "sk-test-FAKEKEY123"
MESSAGES = [{"role": "user", "content": "What is model drift?"}]


_clients = []


@pytest.fixture(autouse=True)
def _close_clients():
    yield
    while _clients:
        _clients.pop().close()  # no unclosed-socket ResourceWarnings


def client(server, max_retries=0, timeout=5.0, base_url=None):
    c = openai.OpenAI(base_url=base_url or server.base_url, api_key=KEY, max_retries=max_retries, timeout=timeout)
    _clients.append(c)
    return c


def ask(server, **kw):
    return client(server, **kw).chat.completions.create(model="gpt-test", messages=MESSAGES)


def stream(server, **kw):
    return client(server, **kw).chat.completions.create(model="gpt-test", messages=MESSAGES, stream=True)


def test_non_stream_reply(fake_llm):
    fake_llm.reply("Drift is when production data changes.")
    resp = ask(fake_llm)
    choice = resp.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content == "Drift is when production data changes."
    assert choice.finish_reason == "stop"
    assert resp.object == "chat.completion" and resp.model == "gpt-test"
    assert resp.usage.completion_tokens > 0
    assert fake_llm.calls == 1
    assert fake_llm.last_request["messages"] == MESSAGES
    assert fake_llm.last_request["model"] == "gpt-test"
    # Checked without the key ever appearing in assertion output.
    assert fake_llm.received_api_key(KEY)
    assert not fake_llm.received_api_key("sk-other")
    assert KEY not in repr(fake_llm)


def test_stream_reply(fake_llm):
    text = "Use a feature store to keep training and serving features consistent."
    fake_llm.reply(text)
    chunks = list(stream(fake_llm))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assembled = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert assembled == text
    assert len(chunks) > 4  # really split into several deltas
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert [c.choices[0].finish_reason for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    assert fake_llm.last_request["stream"] is True


def test_stream_include_usage(fake_llm):
    fake_llm.reply("a b c")
    chunks = list(
        client(fake_llm).chat.completions.create(
            model="gpt-test", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
    )
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 3
    assert chunks[-2].choices[0].finish_reason == "stop"


def test_queued_replies_last_repeats(fake_llm):
    fake_llm.replies(["first", "second", "last"])
    got = [ask(fake_llm).choices[0].message.content for _ in range(4)]
    assert got == ["first", "second", "last", "last"]
    assert fake_llm.calls == 4


def test_callable_reply_sees_the_request(fake_llm):
    fake_llm.reply(lambda body: "echo: " + body["messages"][-1]["content"])
    assert ask(fake_llm).choices[0].message.content == "echo: What is model drift?"
    assert "".join(c.choices[0].delta.content or "" for c in stream(fake_llm)) == "echo: What is model drift?"


def test_callable_that_raises_is_a_500_and_recorded(fake_llm):
    fake_llm.reply(lambda body: 1 / 0)
    with pytest.raises(openai.InternalServerError, match="ZeroDivisionError"):
        ask(fake_llm, max_retries=3)
    assert fake_llm.calls == 1  # x-should-retry: false
    assert isinstance(fake_llm.errors[0], ZeroDivisionError)


def test_500_is_retried_then_raises(fake_llm):
    fake_llm.fail(500)
    start = time.monotonic()
    with pytest.raises(openai.InternalServerError) as exc:
        ask(fake_llm, max_retries=2)
    assert fake_llm.calls == 3  # max_retries + 1
    assert exc.value.status_code == 500
    assert exc.value.body["type"] == "server_error"  # SDK unwraps {"error": {...}}
    assert time.monotonic() - start < 2  # retry-after-ms: 1 skips the SDK backoff


def test_429_raises_rate_limit_error(fake_llm):
    fake_llm.fail(429)
    with pytest.raises(openai.RateLimitError) as exc:
        ask(fake_llm, max_retries=1)
    assert fake_llm.calls == 2
    assert exc.value.response.headers["retry-after"] == "0"
    assert exc.value.code == "rate_limit_exceeded"


def test_fail_times_then_recovers(fake_llm):
    fake_llm.reply("ok after retry").fail(500, times=1)
    assert ask(fake_llm, max_retries=1).choices[0].message.content == "ok after retry"
    assert fake_llm.calls == 2
    assert fake_llm.request_headers[1]["x-stainless-retry-count"] == "1"


def test_fail_custom_body_and_no_retry_statuses(fake_llm):
    fake_llm.fail(
        401, body={"error": {"message": "bad key", "type": "invalid_request_error", "code": "invalid_api_key"}}
    )
    with pytest.raises(openai.AuthenticationError, match="bad key"):
        ask(fake_llm, max_retries=2)
    assert fake_llm.calls == 1  # 4xx (other than 408/409/429) is not retried


def test_stall_times_out_quickly(fake_llm):
    fake_llm.stall(10)
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        ask(fake_llm, max_retries=0, timeout=1)
    assert time.monotonic() - start < 3
    assert fake_llm.calls == 1


def test_close_wakes_stalled_handlers():
    server = FakeLLM()
    server.stall(60)
    errors = []

    def call():
        try:
            ask(server, timeout=30)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    t = threading.Thread(target=call, daemon=True)
    t.start()
    while server.calls == 0:
        time.sleep(0.01)
    start = time.monotonic()
    server.close()
    t.join(5)
    assert time.monotonic() - start < 3
    assert not t.is_alive()
    assert isinstance(errors[0], openai.APIConnectionError)


def test_cut_stream_aborted_raises_connection_error(fake_llm):
    # A dropped TCP connection mid-body: the SDK wraps httpx2's RemoteProtocolError
    # ("incomplete chunked read") in APIConnectionError, after yielding what arrived.
    fake_llm.reply("one two three four five six").cut_stream(after_chunks=3)
    got = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in stream(fake_llm, max_retries=2):
            got.append(chunk)
    assert [c.choices[0].delta.content for c in got] == ["", "one ", "two "]
    assert all(c.choices[0].finish_reason is None for c in got)
    assert fake_llm.calls == 1  # a failure while reading the stream is never retried


def test_cut_stream_clean_eof_ends_silently(fake_llm):
    fake_llm.reply("one two three four five six").cut_stream(after_chunks=3, abort=False)
    got = list(stream(fake_llm))
    assert "".join(c.choices[0].delta.content for c in got) == "one two "
    assert all(c.choices[0].finish_reason is None for c in got)


def test_garbage_raises_raw_json_error_not_api_error(fake_llm):
    # Surprise: a 200 with an unparseable body is NOT wrapped in an openai.APIError.
    fake_llm.garbage()
    with pytest.raises(json.JSONDecodeError) as exc:
        ask(fake_llm, max_retries=2)
    assert not isinstance(exc.value, openai.APIError)
    with pytest.raises(json.JSONDecodeError):
        list(stream(fake_llm, max_retries=2))
    assert fake_llm.calls == 2  # no retries either


def test_reset_and_models(fake_llm):
    fake_llm.fail(500).stall(5).garbage()
    fake_llm.reset()
    assert ask(fake_llm).choices[0].message.content == "This is a fake answer."
    models = client(fake_llm).models.list()
    assert [m.id for m in models.data] == ["fake-model"]


def test_plain_chat_completions_path(fake_llm):
    fake_llm.reply("no v1 prefix")
    c = client(fake_llm, base_url=fake_llm.base_url.removesuffix("/v1"))
    assert c.chat.completions.create(model="m", messages=MESSAGES).choices[0].message.content == "no v1 prefix"
