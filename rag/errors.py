"""One error vocabulary: what may be shown to a user, and what may not.

A `UserFacingError` carries a message written for the person at the keyboard: one line,
no secret, and where possible what to do about it (set RAG_DATA_DIR, pick a section, ...).
The CLI and the app both show `str(error)` for it. Anything else is a bug or a fault the
user cannot act on: both show a generic line and log the traceback at debug level, so a
library's internal message (which may hold a URL, a header or a path) never reaches the
screen by accident.

Each module keeps its own exception class (a `CorpusFileError` says where it came from);
making it a `UserFacingError` is what declares its message safe to show.
"""

from __future__ import annotations

import logging

from rag.redact import redact

MAX_MESSAGE_CHARS = 500


class UserFacingError(Exception):
    """A failure the user can understand and usually fix; `str()` is safe to show as is."""


class InvalidRequest(UserFacingError, ValueError):
    """A request the user can correct: an empty question, a number out of range, an unknown id."""


class SettingsError(UserFacingError, ValueError):
    """The environment (or `.env`) holds a setting that does not parse."""


def user_message(error: BaseException) -> str | None:
    """The one line to show for `error`, or None when it is not meant for a user's eyes.

    The message is redacted once more on the way out: a message is written to be safe, and
    this keeps it safe when it quotes a value the user typed into the wrong setting.
    """
    if not isinstance(error, UserFacingError):
        return None
    text = " ".join(str(error).split()) or type(error).__name__
    return redact(text)[:MAX_MESSAGE_CHARS]


def log_unexpected(log: logging.Logger, error: BaseException, doing: str) -> None:
    """A failure that is not a `UserFacingError`: its type at warning level, its traceback at debug."""
    log.warning("%s failed unexpectedly (%s)", doing, type(error).__name__)
    log.debug("%s failed", doing, exc_info=error)
