"""Keep secrets out of anything shown or logged.

Error texts from HTTP clients can echo headers or URLs; every message that leaves the
process passes through `redact`, which masks API-key-shaped strings, the configured key
(also when whitespace inside it was changed on the way, or it is only partly quoted),
URL user:password and secret-looking query-string values (`?api_key=...`).
`install_log_redaction` puts the same mask on every log handler, so `-v` logs from the
HTTP library (which print request URLs) are clean too.
"""

from __future__ import annotations

import logging
import os
import re

REDACTED = "[redacted]"

_KEY_SHAPES = re.compile(r"\b(sk|pk|rk)-[A-Za-z0-9_\-]{6,}|Bearer\s+\S+|Basic\s+[A-Za-z0-9+/=]{8,}", re.IGNORECASE)
_URL_USERINFO = re.compile(r"(?<=://)[^/@\s?#]+@")  # https://user:password@proxy/v1
_QUERY_SECRET = re.compile(
    r"(?P<name>[?&;](?:[\w.-]*(?:key|token|secret|password|passwd|pwd|auth|signature|sig|credential)s?[\w.-]*)=)"
    r"[^&#\s\"']+",
    re.IGNORECASE,
)
_MIN_SECRET_PART = 6  # shorter pieces of a key are too common to mask everywhere


def redact(text: str, secret: str | None = None) -> str:
    text = str(text)
    secret = secret or os.environ.get("OPENAI_API_KEY")
    if secret and len(secret.strip()) >= 4:
        text = _mask_secret(text, secret)
    text = _URL_USERINFO.sub(REDACTED + "@", text)
    text = _QUERY_SECRET.sub(lambda m: m.group("name") + REDACTED, text)
    return _KEY_SHAPES.sub(REDACTED, text)


def _mask_secret(text: str, secret: str) -> str:
    """The key, with any whitespace inside it matching any whitespace, and each long part of it alone."""
    parts = secret.split()
    pattern = r"\s*".join(re.escape(p) for p in parts)
    text = re.sub(pattern, REDACTED, text)
    for part in sorted(parts, key=len, reverse=True):
        if len(part) >= _MIN_SECRET_PART:
            text = text.replace(part, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message through `redact` before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    """Add the redacting filter to the root logger's handlers (idempotent; call after logging is set up)."""
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
