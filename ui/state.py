"""Typed session state: every value the app keeps for one browser session between reruns.

Streamlit reruns the whole script on each click and keeps only `st.session_state`; reading
it through these functions (rather than string keys scattered over the pages) says what
each value is and gives it one default. Widget keys are listed here too, because setting a
widget's value from a callback (`go_to(QUIZ, quiz_kind=...)`) uses the same name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import streamlit as st

if TYPE_CHECKING:  # the tutor is imported when the chat first needs it, not to draw the frame
    from rag.tutor.answer import Answer
    from rag.tutor.conversation import Conversation

# Widget keys (a widget with a key keeps its value in session state under that key).
PAGE = "page"
MODE = "mode"
QUIZ_KIND = "quiz_kind"
SOURCE_FOCUS = "source_focus"


@dataclass
class ChatMessage:
    """One bubble of the chat: what the learner typed, or the tutor's answer."""

    role: str  # "user" or "assistant"
    text: str = ""
    answer: Answer | None = None


@dataclass
class QuizRound:
    """A quiz in progress: its items, the grades so far, and the item graded but not yet left."""

    quiz: Any  # rag.study.quiz_items.Quiz
    number: int  # the session's round counter, part of every widget key of the round
    grades: list[tuple[Any, Any]] = field(default_factory=list)  # (item, grade) of the items done
    graded: Any = None  # the grade of the item on screen, once checked
    reply: Any = None  # what was answered to it (choice index or text)

    @property
    def finished(self) -> bool:
        return len(self.grades) >= len(self.quiz.items)


def messages() -> list[ChatMessage]:
    return st.session_state.setdefault("messages", [])


def conversation() -> Conversation:
    if "conversation" not in st.session_state:
        from rag.tutor.conversation import Conversation

        st.session_state.conversation = Conversation()
    return st.session_state.conversation


def new_chat() -> None:
    st.session_state.messages = []
    st.session_state.pop("conversation", None)


def queue_question(question: str, *, answers_coach: bool = False) -> None:
    """Ask `question` on the next run. A suggestion (a button) never answers a waiting coach
    question: only what the learner types does, so the waiting question is dropped first."""
    if not answers_coach:
        conversation().pending = None
    st.session_state.pending_question = question


def take_queued_question() -> str | None:
    return st.session_state.pop("pending_question", None)


def quiz_round() -> QuizRound | None:
    return st.session_state.get("quiz")


def start_round(quiz) -> QuizRound:
    number = st.session_state.get("quiz_rounds", 0) + 1
    st.session_state.quiz_rounds = number
    st.session_state.quiz = QuizRound(quiz, number)
    return st.session_state.quiz


def end_round() -> None:
    st.session_state.quiz = None


def passages() -> int | None:
    """How many passages the index holds, once this session has checked or built it."""
    return st.session_state.get("passages")


def set_passages(count: int | None) -> None:
    st.session_state.passages = count


def index_checked(corpus_signature: tuple) -> bool:
    """Whether this session checked the index against the corpus folder as it is now."""
    return st.session_state.get("index_checked") == corpus_signature


def mark_index_checked(corpus_signature: tuple) -> None:
    st.session_state.index_checked = corpus_signature
