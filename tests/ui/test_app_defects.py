"""The app defects found by trying it as a new user would, each pinned by the test that shows it.

They come from issue 10: coach mode taking a suggestion for the learner's reply, a "no idea"
after a checked reply starting an unrelated entry, suggestions listed twice, the guide's
introduction offered as a quiz section, CLI words in the app, an unexplained mastery
figure, cut titles, a watched checkout flooding the log, a widget warning, README wording.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from app_driver import (
    PROGRESS,
    QUIZ,
    ask,
    assert_no_failure,
    assistant_messages,
    configure,
    go_to,
    open_app,
    texts,
)

REPO = Path(__file__).resolve().parents[2]
CANARY_REPLY = "Send a small share of traffic to the new version first and watch its error rates before widening it."


@pytest.fixture
def offline(monkeypatch, fresh_data_dir):
    configure(monkeypatch, fresh_data_dir)
    return fresh_data_dir


def coach(at):
    at.segmented_control(key="mode").set_value("Coach").run()
    return ask(at, "canary deployment")


def follow_up_buttons(block):
    return [b for b in block.button if b.key and b.key.startswith("follow-")]


# ------------------------------------------------------------------------------ coach


def test_a_suggestion_clicked_while_a_coach_question_waits_is_asked_not_graded(offline):
    at = coach(open_app())
    assert at.chat_input[0].placeholder == "Your answer to the coach question…"
    [suggestion, *_] = follow_up_buttons(assistant_messages(at)[-1])
    asked = suggestion.label
    suggestion.click().run()
    assert_no_failure(at)
    users = [m for m in at.chat_message if m.name == "user"]
    assert asked in texts(users[-1])
    answer = texts(assistant_messages(at)[-1])
    assert "Checked against the source" not in answer  # the suggestion was asked, not graded as a reply


def test_no_idea_after_a_checked_coach_reply_is_not_read_as_the_coach_topic(offline):
    at = ask(coach(open_app()), CANARY_REPLY)
    assert "Checked against the source" in texts(assistant_messages(at)[-1])
    at = ask(at, "no idea")
    reply = assistant_messages(at)[-1]
    assert "Not covered by the guide" in texts(reply)  # as `python -m rag ask "no idea"` says
    assert not reply.info, "no new coach question for a message that asked nothing"


def test_an_off_topic_reply_lists_its_suggestions_once(offline):
    at = ask(open_app(), "What is the best recipe for sourdough bread?")
    [reply] = assistant_messages(at)
    labels = [b.label for b in follow_up_buttons(reply)]
    assert len(labels) == 3
    shown = texts(reply)
    assert "Closest topics I can explain" in shown
    assert not any(label in shown for label in labels), "each suggestion is a button, not also a bullet"


# ------------------------------------------------------------------------------- quiz


def test_the_quiz_offers_the_guides_sections_not_its_introduction_with_right_plurals(offline):
    at = go_to(open_app(), QUIZ)
    options = at.selectbox(key="quiz_section").options
    assert options and not any(o.startswith("Introduction") for o in options)
    assert all(re.search(r"\((1 question|([2-9]|\d\d+) questions)\)$", o) for o in options), options


def test_an_uncovered_topic_is_refused_in_the_apps_words(offline):
    at = go_to(open_app(), QUIZ)
    at.segmented_control(key="quiz_kind").set_value("Free text").run()
    at.text_input(key="quiz_free").input("medieval poetry and sourdough").run()
    at.button(key="quiz_start").click().run()
    [warning] = at.main.warning
    assert warning.value.startswith("The guide does not cover")
    assert "'big tech'" not in warning.value and "'weak spots'" not in warning.value


# --------------------------------------------------------------------------- progress


def seed_due_attempts(data_dir: Path, source_ids: list[str], score: float = 0.2) -> None:
    """Low scores a month ago: the entries are practised, weak and due for review."""
    from rag.study.progress import ProgressStore

    store = ProgressStore(data_dir / "progress.sqlite3")
    month_ago = time.time() - 30 * 86400
    for source_id in source_ids:
        item = SimpleNamespace(id=f"{source_id}:open", source_id=source_id, section="", kind="open")
        store.record(item, SimpleNamespace(score=score), at=month_ago)
    store.close()


LONG_TITLES = ["mlops-interview-questions#q16", "mlops-interview-questions#q21"]  # the guide's longest titles


def test_progress_says_what_mastery_is_over_and_shows_whole_titles(offline):
    seed_due_attempts(offline, LONG_TITLES)
    at = go_to(open_app(), PROGRESS)
    [mastery, practised, _] = at.main.metric
    assert mastery.label == "Mastery of practised entries" and mastery.value == "20%"
    assert practised.value == "2 of 36"
    assert "Across the whole guide (36 entries)" in texts(at.main)
    [table] = at.main.table
    titles = list(table.value["Question"])
    assert "Q16 · What is the difference between Canary and Blue-Green deployment strategies?" in titles
    assert "Q21 · Explain the importance of monitoring machine learning models in production." in titles


def test_practise_these_opens_weak_spots_without_a_widget_warning(offline, monkeypatch):
    from streamlit.elements.lib import policies

    monkeypatch.setattr(policies, "_shown_default_value_warning", False)  # shown once per process
    warnings: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: warnings.append(record.getMessage())
    policies._LOGGER.addHandler(handler)
    try:
        seed_due_attempts(offline, LONG_TITLES)
        at = go_to(open_app(), PROGRESS)
        [practise] = [b for b in at.main.button if b.label == "Practise these"]
        practise.click().run()
        assert_no_failure(at)
    finally:
        policies._LOGGER.removeHandler(handler)
    assert at.session_state["page"] == QUIZ
    assert at.segmented_control(key="quiz_kind").value == "Weak spots"
    assert not warnings, warnings


# ------------------------------------------------------------------- serving and README


def test_the_served_app_watches_no_files():
    """Streamlit's default watcher follows the whole checkout, .venv and .data included: 5,881
    inotify watches and 40 "Inotify queue overflowed" lines within 20 s of one session."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    server = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]
    assert server.get("fileWatcherType") == "none" or {".venv", ".data"} <= set(server.get("folderWatchBlacklist", []))


def test_the_readme_says_where_make_run_serves_and_what_the_browser_test_needs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "http://127.0.0.1:8501" in readme
    assert "opens the app" not in readme and "opens a browser" not in readme
    assert re.search(r"browser test[^.]*Debian's `chromium`[^.]*skipped", readme, re.IGNORECASE)
