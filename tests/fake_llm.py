"""A tiny OpenAI-compatible chat-completions server for tests (standard library only).

Usage::

    llm = FakeLLM()                 # starts listening on 127.0.0.1:<random port>
    client = openai.OpenAI(base_url=llm.base_url, api_key="sk-test-...")
    llm.reply("hello")              # every following request answers "hello"
    llm.replies(["a", "b"])         # one per request, the last one repeats
    llm.reply(lambda body: ...)     # answer computed from the request JSON
    llm.fail(500, times=2)          # error responses, then back to replies
    llm.stall(5)                    # sleep before answering (woken by close())
    llm.cut_stream(after_chunks=3)  # streaming: drop the connection mid-stream
    llm.cut_stream(3, abort=False)  # streaming: end the body early but cleanly
    llm.garbage()                   # 200 with an unparseable body
    llm.drip(2)                     # one piece every 2 s (streamed: a chunk; not: a byte)
    llm.keep_alive(1)               # streaming: SSE comments every second, never a token
    llm.finish_reason("length")     # replies end with this finish reason ("tool_calls" adds a tool call)
    llm.html()                      # 200 with a web page (text/html), as a wrong base URL gives
    llm.reset(); llm.close()

Endpoints: POST /v1/chat/completions (also /chat/completions), with or without
``"stream": true``; GET /v1/models (also /models).

Inspect: ``calls``, ``requests`` / ``last_request`` (JSON bodies),
``request_headers`` (lower-cased names), ``errors`` (raised by reply callables),
``received_api_key(key)`` (bool, so the key never shows in assertion output).
Nothing here ever logs or prints requests or headers.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = str | Callable[[dict], str]

DEFAULT_REPLY = "This is a fake answer."

_ERROR_KINDS = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "permission_denied"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}


def _split_for_stream(text: str) -> list[str]:
    """Split text into small word-ish pieces (each keeps its trailing whitespace)."""
    return re.findall(r"\S+\s*|\s+", text)


def _count_tokens(text: str) -> int:
    return len(text.split())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive + chunked streaming, like the real API
    server_version = "FakeLLM/1.0"
    fake: FakeLLM  # set on the per-instance subclass

    # Never print anything (the default logs request lines to stderr).
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def setup(self) -> None:
        super().setup()
        self.fake._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.fake._track(self.connection, add=False)

    # ------------------------------------------------------------------ helpers
    def _send_json(self, status: int, payload: Any, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self._send_bytes(status, data, "application/json", headers)

    def _send_bytes(self, status: int, data: bytes, ctype: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _start_chunked(self, ctype: str = "text/event-stream; charset=utf-8") -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _end_chunked(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _sse(self, obj: Any) -> None:
        payload = obj if isinstance(obj, str) else json.dumps(obj)
        self._write_chunk(f"data: {payload}\n\n".encode())

    def _drip_bytes(self, data: bytes, interval: float) -> None:
        """A complete JSON response, one byte per `interval` (the SDK's read timeout never fires)."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.flush()
        for i in range(len(data)):
            if self.fake._closing.wait(interval):
                return
            try:
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
            except OSError:
                return

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    # ------------------------------------------------------------------ routes
    def do_GET(self) -> None:
        if self.path.split("?")[0].rstrip("/") in ("/v1/models", "/models"):
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": [
                        {"id": self.fake.model, "object": "model", "created": int(time.time()), "owned_by": "fake-llm"}
                    ],
                },
            )
        else:
            self._send_json(404, _error_body(404, f"Unknown path {self.path}"))

    def do_POST(self) -> None:
        raw = self._read_body()
        if self.path.split("?")[0].rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self._send_json(404, _error_body(404, f"Unknown path {self.path}"))
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        plan = self.fake._record(body, {k.lower(): v for k, v in self.headers.items()})

        if plan["stall"]:
            if self.fake._closing.wait(plan["stall"]):
                self.close_connection = True
                return  # server is shutting down: give up on this request
        if plan["fail"] is not None:
            status, err_body, headers = plan["fail"]
            self._send_json(status, err_body, headers)
            return

        stream = bool(body.get("stream"))
        if plan["html"]:
            self._send_bytes(200, b"<!doctype html><html><body>Welcome to nginx</body></html>", "text/html")
            return
        if plan["keep_alive"] and stream:
            self._start_chunked()
            while not self.fake._closing.wait(plan["keep_alive"]):
                try:
                    self._write_chunk(b": keep-alive\n\n")
                except OSError:
                    break  # the client gave up
            self.close_connection = True
            return
        if plan["garbage"]:
            if stream:
                self._start_chunked()
                self._write_chunk(b"data: {this is not json\n\n")
                self._write_chunk(b"\x00\xffgarbage garbage\n\n")
                self._end_chunked()
            else:
                self._send_bytes(200, b"<html>this is {not json", "application/json")
            return

        text = plan["text"]
        model = body.get("model") or self.fake.model
        cid = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        prompt_tokens = sum(
            _count_tokens(str(m.get("content") or "")) for m in body.get("messages") or [] if isinstance(m, dict)
        )
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": _count_tokens(text),
            "total_tokens": prompt_tokens + _count_tokens(text),
        }

        finish_reason = plan["finish_reason"]
        tool_calls = (
            [{"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]
            if finish_reason == "tool_calls"
            else None
        )
        if not stream:
            payload = {
                "id": cid,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [
                    {
                        "index": 0,
                        "logprobs": None,
                        "finish_reason": finish_reason,
                        "message": {"role": "assistant", "content": text, "refusal": None, "tool_calls": tool_calls},
                    }
                ],
                "usage": usage,
            }
            if plan["drip"]:
                self._drip_bytes(json.dumps(payload).encode(), plan["drip"])
                return
            self._send_json(200, payload)
            return
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict, finish: str | None) -> dict:
            c = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            }
            if include_usage:
                c["usage"] = None
            return c

        self._start_chunked()
        chunks = [chunk({"role": "assistant", "content": ""}, None)]
        chunks += [chunk({"content": piece}, None) for piece in _split_for_stream(text)]
        cut = plan["cut_after"]
        if cut is not None:
            for c in chunks[:cut]:
                self._sse(c)
            if not plan["cut_abort"]:
                self._end_chunked()  # body ends cleanly, just without finish_reason/[DONE]
                return
            # Abort: no finish_reason, no [DONE], no chunked terminator.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if tool_calls:
            chunks.append(chunk({"tool_calls": [{"index": 0, **tool_calls[0]}]}, None))
        for c in chunks:
            if plan["drip"] and self.fake._closing.wait(plan["drip"]):
                return
            try:
                self._sse(c)
            except OSError:
                return  # the client gave up
        self._sse(chunk({}, finish_reason))
        if include_usage:
            self._sse(
                {
                    "id": cid,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "system_fingerprint": "fp_fake",
                    "choices": [],
                    "usage": usage,
                }
            )
        self._sse("[DONE]")
        self._end_chunked()


def _error_body(status: int, message: str | None = None) -> dict:
    etype, code = _ERROR_KINDS.get(status, ("server_error", "server_error"))
    return {
        "error": {"message": message or f"Fake LLM error (HTTP {status})", "type": etype, "param": None, "code": code}
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # client hung up (timeouts, cut streams): stay quiet


class FakeLLM:
    """OpenAI-compatible fake chat server running in a daemon thread."""

    def __init__(self, model: str = "fake-model", host: str = "127.0.0.1", port: int = 0) -> None:
        self.model = model
        self.requests: list[dict] = []
        self.request_headers: list[dict[str, str]] = []
        self.errors: list[BaseException] = []  # exceptions raised by reply callables
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._conns: set[socket.socket] = set()
        self._reset_state()
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = _Server((host, port), handler)
        self.host, self.port = self._httpd.server_address[:2]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"FakeLLM:{self.port}", daemon=True
        )
        self._thread.start()

    # ------------------------------------------------------------------ info
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def calls(self) -> int:
        """Number of chat-completion requests received (including failed ones)."""
        with self._lock:
            return len(self.requests)

    @property
    def last_request(self) -> dict | None:
        with self._lock:
            return self.requests[-1] if self.requests else None

    def received_api_key(self, key: str) -> bool:
        """True if every request so far carried ``Authorization: Bearer <key>``.

        Lets tests check the key without the value ever appearing in assertion output.
        """
        with self._lock:
            return bool(self.request_headers) and all(
                h.get("authorization") == f"Bearer {key}" for h in self.request_headers
            )

    def __repr__(self) -> str:  # deliberately omits headers
        return f"<FakeLLM {self.base_url} calls={len(self.requests)}>"

    # ------------------------------------------------------------------ scripting
    def reply(self, text: Reply) -> FakeLLM:
        """Answer every following request with ``text`` (or ``text(body)`` if callable)."""
        return self.replies([text])

    def replies(self, texts: Iterable[Reply]) -> FakeLLM:
        """Answer following requests with these, one per request; the last one repeats."""
        texts = list(texts)
        if not texts:
            raise ValueError("replies() needs at least one reply")
        with self._lock:
            self._replies = texts
        return self

    def fail(self, status: int, times: int | None = None, body: Any = None, headers: dict | None = None) -> FakeLLM:
        """Answer the next ``times`` requests (None = all) with HTTP ``status``.

        429 defaults to ``retry-after: 0`` and every status to ``retry-after-ms: 1`` so
        SDK retries do not sleep (the openai SDK ignores a retry-after of 0 and would
        fall back to its exponential backoff).
        """
        if headers is None:
            headers = {"retry-after-ms": "1"}
            if status == 429:
                headers["retry-after"] = "0"
        with self._lock:
            self._fail = (status, body if body is not None else _error_body(status), headers)
            self._fail_times = times
        return self

    def stall(self, seconds: float) -> FakeLLM:
        """Wait ``seconds`` before answering (close() wakes stalled handlers)."""
        with self._lock:
            self._stall = float(seconds)
        return self

    def cut_stream(self, after_chunks: int = 3, abort: bool = True) -> FakeLLM:
        """Streaming requests: send ``after_chunks`` chunks (the first is the role
        chunk), then stop with no finish_reason and no ``[DONE]``.

        ``abort=True`` drops the TCP connection mid-body (the openai SDK raises
        APIConnectionError); ``abort=False`` ends the HTTP body cleanly, so the SDK
        iterator just stops and only the missing finish_reason tells.
        """
        with self._lock:
            self._cut_after = int(after_chunks)
            self._cut_abort = bool(abort)
        return self

    def garbage(self) -> FakeLLM:
        """Answer 200 with a body that is neither valid JSON nor valid SSE JSON."""
        with self._lock:
            self._garbage = True
        return self

    def drip(self, seconds: float) -> FakeLLM:
        """Send each stream chunk (or, not streamed, each byte of the body) `seconds` apart."""
        with self._lock:
            self._drip = float(seconds)
        return self

    def keep_alive(self, seconds: float) -> FakeLLM:
        """Streaming: answer 200, then only SSE keep-alive comments every `seconds`, until closed."""
        with self._lock:
            self._keep_alive = float(seconds)
        return self

    def finish_reason(self, reason: str) -> FakeLLM:
        """End replies with this finish reason ("length", "content_filter", "tool_calls"...)."""
        with self._lock:
            self._finish_reason = reason
        return self

    def html(self) -> FakeLLM:
        """Answer 200 with an HTML page, as a web server at a wrong base URL would."""
        with self._lock:
            self._html = True
        return self

    def reset(self) -> FakeLLM:
        """Back to normal behaviour (default reply); recorded requests are kept."""
        with self._lock:
            self._reset_state()
        return self

    def clear(self) -> FakeLLM:
        """Forget recorded requests and headers."""
        with self._lock:
            self.requests.clear()
            self.request_headers.clear()
        return self

    def close(self) -> None:
        if self._closing.is_set():
            return
        self._closing.set()  # wakes stalled handlers
        self._httpd.shutdown()
        with self._lock:
            conns = list(self._conns)
        for c in conns:  # drop idle keep-alive connections so their threads end
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._httpd.server_close()
        self._thread.join(timeout=5)
        deadline = time.monotonic() + 2  # let handler threads notice and finish
        while time.monotonic() < deadline:
            with self._lock:
                if not self._conns:
                    break
            time.sleep(0.01)

    def __enter__(self) -> FakeLLM:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ internals
    def _reset_state(self) -> None:
        self._replies: list[Reply] = [DEFAULT_REPLY]
        self._fail: tuple[int, Any, dict] | None = None
        self._fail_times: int | None = None
        self._stall = 0.0
        self._cut_after: int | None = None
        self._cut_abort = True
        self._garbage = False
        self._drip = 0.0
        self._keep_alive = 0.0
        self._finish_reason = "stop"
        self._html = False

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            (self._conns.add if add else self._conns.discard)(conn)

    def _record(self, body: dict, headers: dict[str, str]) -> dict:
        """Record a request and decide (atomically) how to answer it."""
        with self._lock:
            self.requests.append(body)
            self.request_headers.append(headers)
            plan: dict[str, Any] = {
                "stall": self._stall,
                "fail": None,
                "garbage": self._garbage,
                "cut_after": self._cut_after,
                "cut_abort": self._cut_abort,
                "drip": self._drip,
                "keep_alive": self._keep_alive,
                "finish_reason": self._finish_reason,
                "html": self._html,
                "text": "",
            }
            if self._fail is not None:
                plan["fail"] = self._fail
                if self._fail_times is not None:
                    self._fail_times -= 1
                    if self._fail_times <= 0:
                        self._fail = None
                return plan
            reply = self._replies.pop(0) if len(self._replies) > 1 else self._replies[0]
        # Call user callables outside the lock (they may inspect the server).
        try:
            plan["text"] = reply(body) if callable(reply) else str(reply)
        except Exception as exc:  # surface the test bug instead of hanging the client
            with self._lock:
                self.errors.append(exc)
            plan["fail"] = (500, _error_body(500, f"reply callable raised {exc!r}"), {"x-should-retry": "false"})
        return plan
