"""Keep secrets out of anything shown or logged.

Error texts from HTTP clients can echo headers or URLs; every message that leaves the
process passes through `redact`, which masks API-key-shaped strings and the configured key.
"""

from __future__ import annotations

import os
import re

_KEY_SHAPES = re.compile(r"\b(sk|pk|rk)-[A-Za-z0-9_\-]{6,}|Bearer\s+\S+", re.IGNORECASE)
_URL_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")  # https://user:password@proxy/v1


def redact(text: str, secret: str | None = None) -> str:
    secret = secret or os.environ.get("OPENAI_API_KEY")
    if secret and len(secret) >= 4:
        text = text.replace(secret, "[redacted]")
    text = _URL_USERINFO.sub("[redacted]@", text)
    return _KEY_SHAPES.sub("[redacted]", text)
