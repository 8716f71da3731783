"""The HTTP transport under the chat client: a wall-clock deadline and a byte cap on every read.

Timeouts in the SDK bound the *silence* between reads, so a server that drips a token every
few seconds, or sends only SSE keep-alive comments, would never time out. Every call
therefore carries a deadline (a `time.monotonic()` value, in the `DEADLINE_HEADER` request
header, read and removed here, never sent) and a byte cap, checked on every read: past
either, the read raises `OutOfTime` or `TooLong`, whatever the server keeps sending. The
client finds them in the SDK's exception chain with `root_cause`.
"""

from __future__ import annotations

import time

MAX_REPLY_BYTES = 512_000  # accepted from the server, whatever it sends (SSE framing included)
DEADLINE_HEADER = "x-rag-call-deadline"  # read and removed by the guarded transport, never sent


class OutOfTime(Exception):
    """The call's wall-clock deadline passed while the server was still sending (or silent)."""


class TooLong(Exception):
    """The server sent more bytes than any usable reply needs."""


def guarded_transport():
    """An HTTP transport that enforces each request's deadline and byte cap on every read."""
    import httpx2

    class _GuardedStream(httpx2.SyncByteStream):
        def __init__(self, inner, deadline: float, max_bytes: int):
            self.inner, self.deadline, self.max_bytes = inner, deadline, max_bytes

        def __iter__(self):
            received = 0
            for piece in self.inner:
                received += len(piece)
                if received > self.max_bytes:
                    raise TooLong()
                if time.monotonic() > self.deadline:
                    raise OutOfTime()
                yield piece

        def close(self) -> None:
            self.inner.close()

    class _GuardedTransport(httpx2.BaseTransport):
        def __init__(self):
            self.inner = httpx2.HTTPTransport()

        def handle_request(self, request):
            raw = request.headers.pop(DEADLINE_HEADER, None)
            if raw is None:
                return self.inner.handle_request(request)
            deadline = float(raw)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise OutOfTime()
            timeouts = dict(request.extensions.get("timeout") or {})
            keys = timeouts or dict.fromkeys(("connect", "read", "write", "pool"))
            request.extensions["timeout"] = {k: min(v, remaining) if v else remaining for k, v in keys.items()}
            response = self.inner.handle_request(request)
            response.stream = _GuardedStream(response.stream, deadline, MAX_REPLY_BYTES)
            return response

        def close(self) -> None:
            self.inner.close()

    return _GuardedTransport()


def root_cause(exc: BaseException) -> BaseException:
    """The first of our own deadline/size exceptions in the chain, else `exc` itself."""
    seen = exc
    for _ in range(8):
        if isinstance(seen, (OutOfTime, TooLong)):
            return seen
        seen = seen.__cause__ or seen.__context__
        if seen is None:
            break
    return exc
