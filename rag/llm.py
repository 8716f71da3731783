"""The one boundary to a chat model: any OpenAI-compatible server through the `openai` SDK.

Everything above this module sees two things only: text deltas, or an `LLMError` whose
message is one line, says what went wrong in words a user understands, and never holds
a key. Retries (429, 5xx, connection errors, timeouts) are the SDK's own, with the
settings' `max_retries`; the per-attempt timeout is the settings' timeout, lowered when
needed so that all attempts together stay within `TOTAL_BUDGET_S` (a stalled server must
still leave time for the offline answer within a minute).

A stream is only complete when a chunk carried a `finish_reason`: the SDK ends a stream
whose body stops early without any error, so a missing finish reason is a cut stream.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import TypeVar
from urllib.parse import urlparse

from pydantic import BaseModel, ValidationError

from rag.config import Settings
from rag.redact import redact

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.openai.com/v1"
LOCAL_PLACEHOLDER_KEY = "not-needed"  # local servers (Ollama, vLLM, llama.cpp) ignore the key
TOTAL_BUDGET_S = 24.0  # all attempts of one call; leaves room for the offline answer within a minute
CONNECT_TIMEOUT_S = 10.0

Schema = TypeVar("Schema", bound=BaseModel)

_URL_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
_JSON_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL | re.IGNORECASE)


class LLMError(Exception):
    """The model could not give a usable reply; `str()` is one key-free line."""


class ChatLLM:
    """A chat model behind an OpenAI-compatible API; the client is built on first use."""

    def __init__(self, settings: Settings):
        self.model = settings.chat_model
        self.base_url = (settings.openai_base_url or DEFAULT_BASE_URL).rstrip("/")
        self.max_retries = settings.llm_max_retries
        self.attempt_timeout_s = min(settings.llm_timeout_s, TOTAL_BUDGET_S / (settings.llm_max_retries + 1))
        self._key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        self._client = None

    def __repr__(self) -> str:  # no key, ever
        return f"ChatLLM({self.describe()!r})"

    def describe(self) -> str:
        return f"{self.model} at {_URL_USERINFO.sub('', self.base_url)}"

    @property
    def host(self) -> str:
        """host:port for messages: never the user:password a proxy URL may carry."""
        return urlparse(self.base_url).netloc.rsplit("@", 1)[-1] or _URL_USERINFO.sub("", self.base_url)

    def client(self):
        if self._client is None:
            import openai

            self._client = openai.OpenAI(
                api_key=self._key or LOCAL_PLACEHOLDER_KEY,
                base_url=self.base_url,
                max_retries=self.max_retries,
                timeout=openai.Timeout(self.attempt_timeout_s, connect=min(CONNECT_TIMEOUT_S, self.attempt_timeout_s)),
            )
        return self._client

    # ------------------------------------------------------------------ calls

    def stream(self, messages: list[dict], **kw) -> Iterator[str]:
        """Text deltas as they arrive; raises LLMError on any failure, also mid-stream."""
        response = None
        try:
            response = self.client().chat.completions.create(model=self.model, messages=messages, stream=True, **kw)
            finished = False  # from here on a failure is mid-stream: the SDK does not retry it
            for chunk in response:
                for choice in chunk.choices or ():
                    delta = getattr(choice, "delta", None)
                    if delta is not None and delta.content:
                        yield delta.content
                    if choice.finish_reason:
                        finished = True
            if not finished:
                raise LLMError(f"the answer from {self.host} was cut off before it finished")
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

    def complete(self, messages: list[dict], **kw) -> str:
        try:
            response = self.client().chat.completions.create(model=self.model, messages=messages, **kw)
            choices = response.choices or []
            content = choices[0].message.content if choices else None
        except Exception as exc:
            raise self._error(exc) from None
        if not content or not content.strip():
            raise LLMError(f"the model at {self.host} sent an empty reply")
        return content

    def complete_json(self, messages: list[dict], schema: type[Schema], **kw) -> Schema:
        """A reply validated against `schema`; one retry with the validation error, then LLMError."""
        messages = list(messages)
        problem = ""
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
                    "content": f"That was not valid: {problem}. Reply again with only the JSON object, following the requested fields exactly.",
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

    def _error(self, exc: BaseException, retried: bool = True) -> LLMError:
        """Turn any SDK/transport failure into one plain, redacted line."""
        import openai

        where = self.host
        retries = (
            f" after {self.max_retries} {'retry' if self.max_retries == 1 else 'retries'}"
            if self.max_retries and retried
            else ""
        )
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
            text = f"the model {self.model!r} or its API was not found at {where} (HTTP 404); check RAG_CHAT_MODEL and OPENAI_BASE_URL"
        elif isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            detail = _short(getattr(exc, "message", "") or "")
            text = f"the model at {where} failed (HTTP {status}){retries}" + (
                f": {detail}" if detail and status < 500 else ""
            )
        elif isinstance(exc, openai.APIConnectionError):
            text = f"the connection to the model at {where} failed or broke mid-answer{retries}"
        elif isinstance(exc, (json.JSONDecodeError, openai.APIResponseValidationError)):
            text = f"the model at {where} sent a reply that is not valid JSON"
        elif isinstance(exc, openai.APIError):
            detail = _short(getattr(exc, "message", "") or str(exc))
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
    return _short(f"{where}: {first.get('msg', 'invalid')}")


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
