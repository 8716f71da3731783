"""Driving the Streamlit app like a user with `streamlit.testing.v1.AppTest`: shared by the app tests.

The app is configured only through its environment (as `make run` does): `RAG_DATA_DIR`
points at a private copy of the session's index, and `OPENAI_BASE_URL` at the loopback
fake server for the LLM flows. Nothing inside the app, `rag` or the SDK is patched.
"""

from __future__ import annotations

from pathlib import Path

from conftest import CORPUS
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"
TIMEOUT = 180  # the first run of a session loads the embedding model on 2 cores

CHAT, QUIZ, SOURCES, PROGRESS = (
    ":material/forum: Chat",
    ":material/quiz: Quiz",
    ":material/menu_book: Sources",
    ":material/insights: Progress",
)
ROLLBACK = "How would you roll back a model that misbehaves in production?"


def configure(monkeypatch, data_dir: Path, corpus_dir: Path = CORPUS, **env: str) -> None:
    values = {
        "RAG_DATA_DIR": str(data_dir),
        "RAG_CORPUS_DIR": str(corpus_dir),
        "OPENAI_API_KEY": "",
        "OPENAI_BASE_URL": "",
        "CHROMA_HOST": "",
        **env,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def open_app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert_no_failure(at)
    return at


def assert_no_failure(at: AppTest) -> None:
    """No exception and none of the app's failure messages (a wrong quiz answer is red too)."""
    assert not at.exception, [e.value for e in at.exception]
    failures = [e.value for e in at.error if e.value.startswith(FAILURES)]
    assert not failures, failures


FAILURES = ("Something went wrong", "The index could not be built", "The settings are not valid")


def go_to(at: AppTest, page: str) -> AppTest:
    at.session_state["page"] = page
    at.run()
    assert_no_failure(at)
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert_no_failure(at)
    return at


def texts(block) -> str:
    """Every Markdown, caption and alert text of a block, joined, for assertions."""
    parts = [m.value for m in block.markdown] + [c.value for c in block.caption]
    for kind in ("info", "success", "warning", "error"):
        parts += [a.value for a in getattr(block, kind)]
    return "\n".join(str(p) for p in parts)


def assistant_messages(at: AppTest):
    return [m for m in at.chat_message if m.name == "assistant"]
