"""The one boundary to a chat model: any OpenAI-compatible server through the `openai` SDK.

Everything above this module sees two things only: text deltas, or an `LLMError` whose
message is one line, says what went wrong in words a user understands, and never holds
a key. Retries (429, 5xx, connection errors, timeouts) are the SDK's own, with the
settings' `max_retries`; the per-attempt timeout is the settings' timeout, lowered when
needed so that all attempts together stay within `TOTAL_BUDGET_S` (a stalled server must
still leave time for the offline answer within a minute).

A stream is only complete when a chunk carried a `finish_reason`: the SDK ends a stream
whose body stops early without any error, so a missing finish reason is a cut stream. A
reply is only usable when it has text and stopped on its own: empty, tool-call-only,
`length` (cut at the token cap) and `content_filter` replies are failures too.

Timeouts in the SDK bound the *silence* between reads, so a server that drips a token every
few seconds, or sends only SSE keep-alive comments, would never time out. Every call
therefore carries a wall-clock deadline (`Settings.llm_deadline_s`) and a byte cap, checked
by the HTTP transport on every read (`rag.llm_transport`): past either, the call fails,
whatever the server keeps sending. Settings that cannot work (a malformed base URL, a key
with whitespace in it) are found once, when the `ChatLLM` is made: every call then fails
at once with that one clear reason, so callers answer offline instead of crashing.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from pydantic import BaseModel, ValidationError

from rag.config import Settings
from rag.errors import UserFacingError
from rag.llm_transport import DEADLINE_HEADER, OutOfTime, TooLong, guarded_transport, root_cause
from rag.redact import install_log_redaction, redact
from rag.text import clip

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.openai.com/v1"
LOCAL_PLACEHOLDER_KEY = "not-needed"  # local servers (Ollama, vLLM, llama.cpp) ignore the key
TOTAL_BUDGET_S = 24.0  # all attempts of one call; leaves room for the offline answer within a minute
CONNECT_TIMEOUT_S = 10.0
MAX_REPLY_TOKENS = 1500  # asked of the model: an interview answer, a quiz or a verdict fits easily
MAX_REPLY_CHARS = 60_000  # of answer text
RETRYABLE_STATUSES = {408, 409, 429}  # and every 5xx: what the SDK retries
DETAIL_CHARS = 160  # of a provider's error message quoted to the user

Schema = TypeVar("Schema", bound=BaseModel)

_URL_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
_JSON_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL | re.IGNORECASE)


class LLMError(UserFacingError):
    """The model could not give a usable reply; `str()` is one key-free line."""

    status: int | None = None


def settings_problem(settings: Settings) -> str | None:
    """Why the LLM settings cannot work, in one line, or None: checked once, before any call."""
    if settings.openai_base_url:
        try:
            parts = urlsplit(settings.openai_base_url)
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError as exc:
            return f"OPENAI_BASE_URL is not a valid URL ({clip(str(exc), 60)}); fix it in .env or the environment"
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "OPENAI_BASE_URL must be an http:// or https:// URL with a host, like http://localhost:11434/v1"
    if settings.openai_api_key:
        key = settings.openai_api_key.get_secret_value()
        if any(ch.isspace() for ch in key) or not key.isprintable() or not key.isascii():
            return "OPENAI_API_KEY has spaces or unusual characters inside it; paste the key again, on one line"
    return None


def _without_userinfo(url: str) -> str:
    """The URL minus any user:password@ (the SDK would send it as Basic auth instead of the key)."""
    try:
        parts = urlsplit(url)
        if "@" not in parts.netloc:
            return url
        return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))
    except ValueError:
        return _URL_USERINFO.sub("", url)


class ChatLLM:
    """A chat model behind an OpenAI-compatible API; the client is built on first use."""

    def __init__(self, settings: Settings):
        self.model = settings.chat_model
        self.problem = settings_problem(settings)
        configured = (settings.openai_base_url or DEFAULT_BASE_URL).strip()
        base, _, query = configured.partition("?")
        # A query string (a proxy's `?api_key=...`) goes on every request, not in the path the SDK extends.
        self._default_query = dict(parse_qsl(query.split("#", 1)[0], keep_blank_values=True)) if query else None
        self.base_url = _without_userinfo(base.rstrip("/"))
        if self.problem is None and self.base_url != base.rstrip("/"):
            log.warning("OPENAI_BASE_URL holds a user:password; it is not sent (the API key is, from OPENAI_API_KEY)")
        self.max_retries = settings.llm_max_retries
        self.attempt_timeout_s = min(settings.llm_timeout_s, TOTAL_BUDGET_S / (settings.llm_max_retries + 1))
        self.deadline_s = settings.llm_deadline_s
        self._key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        self._client = None
        install_log_redaction()
        if self.problem:
            log.warning("LLM not used: %s", self.problem)

    def __repr__(self) -> str:  # no key, ever
        return f"ChatLLM({self.describe()!r})"

    def describe(self) -> str:
        """'model at scheme://host/path': no user:password, no query string (it may hold a key)."""
        if self.problem:
            return f"{self.model} (not usable: {self.problem})"
        return redact(f"{self.model} at {self.base_url.split('#', 1)[0]}", self._key)

    @property
    def host(self) -> str:
        """host:port for messages: never the user:password a proxy URL may carry."""
        try:
            netloc = urlsplit(self.base_url).netloc.rsplit("@", 1)[-1]
        except ValueError:
            netloc = ""
        return netloc or "the configured server"

    def client(self):
        if self._client is None:
            import openai

            self._client = openai.OpenAI(
                api_key=self._key or LOCAL_PLACEHOLDER_KEY,
                base_url=self.base_url,
                max_retries=self.max_retries,
                timeout=openai.Timeout(self.attempt_timeout_s, connect=min(CONNECT_TIMEOUT_S, self.attempt_timeout_s)),
                http_client=openai.DefaultHttpx2Client(transport=guarded_transport()),
                default_query=self._default_query,
            )
        return self._client

    def _create(self, deadline: float, **kw):
        """One chat-completions request under `deadline` (a time.monotonic() value), tokens capped."""
        if self.problem:
            raise LLMError(self.problem)
        kw.setdefault("max_tokens", MAX_REPLY_TOKENS)
        headers = {**(kw.pop("extra_headers", None) or {}), DEADLINE_HEADER: repr(deadline)}
        return self.client().chat.completions.create(model=self.model, extra_headers=headers, **kw)

    def _deadline(self) -> float:
        """Now plus the call budget, counted once the client exists (importing the SDK is not the server's time)."""
        if self.problem is None:
            try:
                self.client()
            except Exception:
                pass  # the call itself reports it
        return time.monotonic() + self.deadline_s

    # ------------------------------------------------------------------ calls

    def stream(self, messages: list[dict], deadline: float | None = None, **kw) -> Iterator[str]:
        """Text deltas as they arrive; raises LLMError on any failure, also mid-stream.

        The caller keeps what it showed only if the stream ends without an error: a reply cut
        by the deadline, the byte cap or the token cap raises here, after its first part.
        """
        deadline = deadline or self._deadline()
        response = None
        try:
            response = self._create(deadline, messages=messages, stream=True, **kw)
            self._check_content_type(getattr(response, "response", None))
            finish = None  # from here on a failure is mid-stream: the SDK does not retry it
            chars = 0
            said_something = False
            for chunk in response:
                for choice in chunk.choices or ():
                    delta = getattr(choice, "delta", None)
                    if delta is not None and delta.content:
                        chars += len(delta.content)
                        if chars > MAX_REPLY_CHARS:
                            raise self._too_long()
                        said_something = said_something or bool(delta.content.strip())
                        yield delta.content
                    if choice.finish_reason:
                        finish = choice.finish_reason
                if time.monotonic() > deadline:
                    raise OutOfTime()
            self._check_finish(finish, said_something)
        except LLMError:
            raise
        except Exception as exc:
            raise self._error(exc, retried=response is None) from None
        finally:
            if response is not None:
                try:
                    response.close()
                except Exception:
                    pass

    def complete(self, messages: list[dict], deadline: float | None = None, **kw) -> str:
        deadline = deadline or self._deadline()
        try:
            response = self._create(deadline, messages=messages, **kw)
            choices = response.choices or []
            content = choices[0].message.content if choices else None
            finish = choices[0].finish_reason if choices else None
        except LLMError:
            raise
        except Exception as exc:
            raise self._error(exc) from None
        if content and len(content) > MAX_REPLY_CHARS:
            raise self._too_long()
        self._check_finish(finish or "stop", bool(content and content.strip()))
        return content

    def complete_json(self, messages: list[dict], schema: type[Schema], **kw) -> Schema:
        """A reply validated against `schema`; one retry with the validation error, then LLMError."""
        messages = list(messages)
        problem = ""
        kw.setdefault("deadline", self._deadline())  # both attempts share one deadline
        for attempt in range(2):
            reply = self._complete_json_text(messages, **kw)
            try:
                return schema.model_validate_json(_strip_fence(reply))
            except ValidationError as exc:
                problem = _first_problem(exc)
            log.info("invalid JSON from the model (attempt %d): %s", attempt + 1, problem)
            messages = messages + [
                {"role": "assistant", "content": reply[:4000]},
                {
                    "role": "user",
                    "content": f"That was not valid: {problem}. "
                    "Reply again with only the JSON object, following the requested fields exactly.",
                },
            ]
        raise LLMError(f"the model at {self.host} did not return valid JSON twice ({problem})")

    # ---------------------------------------------------------------- helpers

    def _complete_json_text(self, messages: list[dict], **kw) -> str:
        try:
            return self.complete(messages, response_format={"type": "json_object"}, **kw)
        except LLMError as exc:
            # Some local servers reject `response_format`; ask again without it.
            if getattr(exc, "status", None) not in (400, 422):
                raise
            return self.complete(messages, **kw)

    def _check_content_type(self, http_response) -> None:
        ctype = (getattr(http_response, "headers", None) or {}).get("content-type", "")
        if ctype.lower().startswith("text/html"):
            raise LLMError(
                f"the server at {self.host} answered with a web page (text/html), not a model reply; "
                "check OPENAI_BASE_URL (it usually ends in /v1)"
            )

    def _check_finish(self, finish: str | None, said_something: bool) -> None:
        """A reply counts only when it has text and the model stopped on its own."""
        if finish is None:
            raise LLMError(f"the answer from {self.host} was cut off before it finished")
        if finish == "length":
            raise LLMError(f"the answer from {self.host} was cut at the length limit ({MAX_REPLY_TOKENS} tokens)")
        if finish == "content_filter":
            raise LLMError(f"the model at {self.host} withheld its answer (content filter)")
        if not said_something:
            detail = " (only a tool call)" if finish in ("tool_calls", "function_call") else ""
            raise LLMError(f"the model at {self.host} sent an empty reply{detail}")

    def _too_long(self) -> LLMError:
        return LLMError(f"the reply from {self.host} was longer than any answer needs and was cut off unread")

    def _error(self, exc: BaseException, retried: bool = True) -> LLMError:
        """Turn any SDK/transport failure into one plain, redacted line."""
        import openai

        where = self.host
        status = getattr(exc, "status_code", None) if isinstance(exc, openai.APIStatusError) else None
        retryable = status is None or status in RETRYABLE_STATUSES or status >= 500
        retries = (
            f" after {self.max_retries} {'retry' if self.max_retries == 1 else 'retries'}"
            if self.max_retries and retried and retryable
            else ""
        )
        cause = root_cause(exc)
        if isinstance(cause, OutOfTime):
            error = LLMError(f"the model at {where} did not finish within the {self.deadline_s:.0f} s time limit")
            return error
        if isinstance(cause, TooLong):
            return self._too_long()
        status = None
        if isinstance(exc, openai.APITimeoutError):
            text = f"the model at {where} did not answer within {self.attempt_timeout_s:.0f} s{retries}"
        elif isinstance(exc, openai.RateLimitError):
            status = 429
            text = f"the model at {where} is rate-limited (HTTP 429){retries}"
        elif isinstance(exc, openai.AuthenticationError):
            status = 401
            text = f"the model at {where} refused the API key (HTTP 401); check OPENAI_API_KEY"
        elif isinstance(exc, openai.NotFoundError):
            status = 404
            text = (
                f"the model {self.model!r} or its API was not found at {where} (HTTP 404); "
                "check RAG_CHAT_MODEL and OPENAI_BASE_URL"
            )
        elif isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            detail = clip(getattr(exc, "message", "") or "", DETAIL_CHARS)
            text = f"the model at {where} failed (HTTP {status}){retries}" + (
                f": {detail}" if detail and status < 500 else ""
            )
        elif isinstance(exc, openai.APIConnectionError):
            text = f"the connection to the model at {where} failed or broke mid-answer{retries}"
        elif isinstance(exc, (json.JSONDecodeError, openai.APIResponseValidationError)):
            text = (
                f"the server at {where} sent a reply that is not valid JSON, so not a chat completion; "
                "check OPENAI_BASE_URL"
            )
        elif isinstance(exc, openai.APIError):
            detail = clip(getattr(exc, "message", "") or str(exc), DETAIL_CHARS)
            text = f"the model at {where} reported an error" + (f": {detail}" if detail else "")
        else:
            text = f"the model at {where} could not be used ({type(exc).__name__})"
        error = LLMError(redact(text, self._key))
        error.status = status
        return error


def make_llm(settings: Settings) -> ChatLLM | None:
    """The configured chat model, or None for the offline tutor (no key and no base URL)."""
    if not settings.llm_configured:
        return None
    return ChatLLM(settings)


def _strip_fence(text: str) -> str:
    match = _JSON_FENCE.match(text)
    return match.group(1) if match else text.strip()


def _first_problem(exc: ValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "invalid JSON"
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "reply"
    return clip(f"{where}: {first.get('msg', 'invalid')}", DETAIL_CHARS)
