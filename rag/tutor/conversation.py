"""A conversation with the tutor: its turns, and how a learner's message is read.

`prepare_question` makes any typed text safe to retrieve with and to show; `needs_context`
says when a message leans on the previous turn (so it is rewritten before retrieval); the
coach questions asked so far let the coach avoid asking one twice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rag.tutor.answer import Answer, PendingCheck

HISTORY_TURNS = 3  # past exchanges the model sees

_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_RUNS_OF_SPACE = re.compile(r"[ \t]+")
_DEPENDENT_START = re.compile(
    r"^\s*(and|but|or|so|also|then|what about|how about|what if|why|how come|compared|versus|vs\.?|same|"
    r"tell me more|more|elaborate|example|give me an example|can you expand|in what way)\b",
    re.IGNORECASE,
)
_PRONOUNS = re.compile(
    r"\b(it|its|it's|that|this|these|those|they|them|their|the former|the latter|the second one|the first one)\b",
    re.IGNORECASE,
)


@dataclass
class Turn:
    message: str  # what the learner typed
    question: str  # the standalone question that was answered (or the coach question replied to)
    answer: Answer
    judged: bool = False  # the message was a reply to a coach question, and the answer its check


@dataclass
class Conversation:
    turns: list[Turn] = field(default_factory=list)
    pending: PendingCheck | None = None

    def history(self, n: int = HISTORY_TURNS) -> list[tuple[str, str]]:
        return [(t.question, t.answer.answer) for t in self.turns[-n:]]


def prepare_question(text: str, max_chars: int) -> tuple[str, list[str]]:
    """Printable, NFC-normalised text cut to `max_chars`; notices say what was changed."""
    text = _SURROGATES.sub("\ufffd", text or "")
    text = unicodedata.normalize("NFC", text)
    text = _UNSAFE_CHARS.sub(" ", text)
    text = _RUNS_OF_SPACE.sub(" ", text).strip()
    notices: list[str] = []
    if len(text) > max_chars:
        original = len(text)
        cut = text[:max_chars]
        if " " in cut[max_chars // 2 :]:
            cut = cut.rsplit(" ", 1)[0]
        text = cut.rstrip()
        notices.append(f"Your question was {original:,} characters long; only its first {len(text):,} were used.")
    return text, notices


def needs_context(message: str) -> bool:
    """A message that leans on the previous turn: a connective start, a pronoun, or very few words."""
    words = message.split()
    return (
        len(words) <= 3
        or bool(_DEPENDENT_START.match(message))
        or (len(words) <= 14 and bool(_PRONOUNS.search(message)))
    )


def coach_questions_asked(history: list[Turn]) -> tuple[str, ...]:
    """Every coach question of the conversation so far, oldest first."""
    asked = [t.answer.coach_question for t in history if t.answer.coach_question]
    asked += [t.question for t in history if t.judged]
    return tuple(dict.fromkeys(asked))
