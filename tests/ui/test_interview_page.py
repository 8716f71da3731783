"""The mock interview page, driven like a user: set it up, answer every question (an empty
answer is refused, not graded), rate a grading, and read and download the final report."""

from __future__ import annotations

import pytest
from app_driver import assert_no_failure, configure, go_to, open_app, texts

INTERVIEW = ":material/record_voice_over: Interview"


@pytest.fixture
def offline(monkeypatch, fresh_data_dir):
    configure(monkeypatch, fresh_data_dir)
    return fresh_data_dir


def button(at, prefix: str):
    [found] = [b for b in at.main.button if b.key and b.key.startswith(prefix)]
    return found


def test_a_full_interview_ends_in_a_report_saved_to_progress(offline):
    at = go_to(open_app(), INTERVIEW)
    at.selectbox(key="interview_topic").select("Monitoring & Maintenance").run()
    at.segmented_control(key="interview_difficulty").set_value("medium").run()
    at.slider(key="interview_n").set_value(2).run()
    at.toggle(key="interview_timed").set_value(True).run()
    at.button(key="interview_start").click().run()
    assert_no_failure(at)
    assert "question 1 of 2" in at.main.get("progress")[0].proto.text

    button(at, "interview-submit-").click().run()  # nothing typed: asked again, not graded
    assert "an empty answer is not graded" in texts(at.main)
    assert "question 1 of 2" in at.main.get("progress")[0].proto.text

    for number in range(1, 3):
        [reply] = [t for t in at.main.text_area if t.key.startswith("interview-reply-")]
        reply.set_value("Monitor input and prediction distributions, alert on drift and retrain when needed.").run()
        button(at, "interview-submit-").click().run()
        assert_no_failure(at)
        shown = texts(at.main)
        assert "Score" in shown and "**Covered**" in shown and "**Missed**" in shown
        if number == 1:
            at.main.get("feedback")[0].set_value(1).run()  # thumbs up on the first grading
            assert_no_failure(at)
        button(at, "interview-next-").click().run()
        assert_no_failure(at)

    report = texts(at.main)
    assert "Interview done: Monitoring & Maintenance" in report
    assert [m.label for m in at.main.metric] == ["Score", "Answered", "Difficulty"]
    expanders = [e for e in at.main.expander if "%" in e.label]
    assert len(expanders) == 2
    assert "**Model answer**" in texts(expanders[0]) and "Read the source answer" in [e.label for e in at.main.expander]
    assert at.main.get("download_button")

    from rag.study.progress import ProgressStore

    store = ProgressStore(offline / "progress.sqlite3")
    saved = store.recent(limit=10)
    assert len(saved) == 2 and {a.kind for a in saved} == {"interview"}
    assert store.feedback_counts() == {"up": 1, "down": 0}


def test_a_chat_answer_can_be_rated_and_the_conversation_downloaded(offline):
    from app_driver import ROLLBACK, ask

    at = ask(open_app(), ROLLBACK)
    [thumbs] = at.main.get("feedback")
    thumbs.set_value(0).run()  # thumbs down
    assert_no_failure(at)
    [download] = at.main.get("download_button")
    assert "Download the conversation" in download.proto.label

    from rag.study.progress import ProgressStore

    assert ProgressStore(offline / "progress.sqlite3").feedback_counts() == {"up": 0, "down": 1}
