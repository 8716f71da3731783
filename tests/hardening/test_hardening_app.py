"""Several app sessions open at once: one server process, one cached knowledge base, four
learners whose turns interleave. Each gets the cited answer it would get alone, keeps its
own history, and sees nothing of the others' chats.

AppTest swaps a process-wide mock `Runtime` in and out around every run, so its runs cannot
overlap in threads (they fail inside streamlit, not in the app); the sessions here are all
open together and take turns, as requests on a real server interleave. Truly parallel use
of the objects the sessions share (retriever, embedder, tutor) is exercised by
test_hardening_concurrency.py.
"""

from pathlib import Path

import pytest
from conftest import CORPUS
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.timeout(600)

APP = Path(__file__).resolve().parents[2] / "app.py"
FIRST = [
    "How would you roll back a model that misbehaves in production?",
    "What is model or concept drift?",
    "\u202eHow do you do A/B testing of ML models? 🚀",
    "What's the best sourdough recipe?",  # refused: cites nothing
]
SECOND = [
    "What is a model registry?",
    "How do you monitor a model in production?",
    "What is a canary release?",
    "How do you version datasets?",
]


@pytest.fixture
def offline_app(monkeypatch, fresh_data_dir):
    for name, value in {
        "RAG_DATA_DIR": str(fresh_data_dir),
        "RAG_CORPUS_DIR": str(CORPUS),
        "OPENAI_API_KEY": "",
        "OPENAI_BASE_URL": "",
        "CHROMA_HOST": "",
    }.items():
        monkeypatch.setenv(name, value)


def open_session() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=300).run()


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def replies(at: AppTest) -> list[str]:
    return ["\n".join(str(m.value) for m in r.markdown) for r in at.chat_message if r.name == "assistant"]


def questions(at: AppTest) -> list[str]:
    return ["\n".join(str(m.value) for m in r.markdown) for r in at.chat_message if r.name == "user"]


def test_interleaved_sessions_each_get_their_own_answers_and_history(offline_app):
    alone = [replies(ask(ask(open_session(), a), b)) for a, b in zip(FIRST, SECOND)]

    sessions = [open_session() for _ in FIRST]
    for at, question in zip(sessions, FIRST):
        ask(at, question)
    for at, question in reversed(list(zip(sessions, SECOND))):
        ask(at, question)

    for at, first, second, expected in zip(sessions, FIRST, SECOND, alone):
        assert replies(at) == expected  # what this learner got when it was the only one
        asked = "\n".join(questions(at))
        assert [q for q in FIRST + SECOND if q in asked] == [first, second]  # only its own turns
    cited = ["**[1]**" in r[0] for r in alone]
    assert cited == [True, True, True, False]
