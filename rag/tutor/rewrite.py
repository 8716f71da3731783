"""The learner's message as the standalone interview question it is about (with an LLM only).

Retrieval matches a question against each entry's phrasings. A follow-up ("and how is
that different from canary?") names nothing, and a practitioner's story ("our churn
model's precision sank after marketing redesigned the signup form...") names symptoms
rather than the concept (drift): both retrieve better as the question an interviewer
would write. One short model call does that; offline the tutor never needs it.

The call is bounded (`REWRITE_BUDGET_S`, never more than the LLM deadline; few tokens),
its result cached in-process (LRU keyed by the model, the conversation context and the
message), and a failure is reported to the caller once, as an `LLMError`, so it can
answer offline with one notice instead of waiting on the same server again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

from rag.llm import ChatLLM
from rag.prompts import rewrite_messages

log = logging.getLogger(__name__)

NARRATIVE_MIN_WORDS = 20  # a message this long tells a story; shorter ones are already interview questions
REWRITE_BUDGET_S = 10.0  # wall clock for the rewrite call (the answer call still needs its own time)
REWRITE_MAX_TOKENS = 120
MAX_REWRITE_CHARS = 300
CACHE_SIZE = 512

_cache: OrderedDict[tuple, str | None] = OrderedDict()
_cache_lock = threading.Lock()


def is_narrative(message: str) -> bool:
    """A message long enough to be a scenario rather than a question (what the rewrite is for)."""
    return len(message.split()) >= NARRATIVE_MIN_WORDS


def standalone_question(llm: ChatLLM, message: str, history: Sequence[tuple[str, str]] = ()) -> str | None:
    """The model's standalone question for `message`, or None when its reply is not one.

    Raises `LLMError` when the call fails (the caller answers offline, with one notice). A
    usable reply and an unusable one are both cached, so the same message in the same
    context never calls the model twice in one process.
    """
    key = (llm.describe(), tuple(history), message)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    deadline = time.monotonic() + min(REWRITE_BUDGET_S, llm.deadline_s)
    reply = llm.complete(rewrite_messages(history, message), deadline=deadline, max_tokens=REWRITE_MAX_TOKENS)
    question = _one_question(reply)
    if question is None:
        log.info("the rewrite was not one question; retrieving with the message itself")
    with _cache_lock:
        _cache[key] = question
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return question


def _one_question(reply: str | None) -> str | None:
    line = next((r.strip().strip("\"'`").strip() for r in (reply or "").splitlines() if r.strip()), "")
    if not 3 <= len(line) <= MAX_REWRITE_CHARS or "[" in line:  # a marker: an answer, not a question
        return None
    return line


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
