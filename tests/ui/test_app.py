"""The Streamlit app, driven like a user with `streamlit.testing.v1.AppTest`.

The app is configured only through its environment (as `make run` does): `RAG_DATA_DIR`
points at a private copy of the session's index, and `OPENAI_BASE_URL` at the loopback
fake server for the LLM flows. Nothing inside the app, `rag` or the SDK is patched.
The embedding model is cached per process by the app (`st.cache_resource`), so only the
first test pays for loading it.
"""

from __future__ import annotations

import pytest
from app_driver import (
    APP,
    PROGRESS,
    QUIZ,
    ROLLBACK,
    SOURCES,
    TIMEOUT,
    AppTest,
    ask,
    assert_no_failure,
    assistant_messages,
    configure,
    go_to,
    open_app,
    texts,
)


@pytest.fixture
def offline(monkeypatch, fresh_data_dir):
    """The app's environment: a writable copy of the index, no LLM configured."""
    configure(monkeypatch, fresh_data_dir)
    return fresh_data_dir


# ----------------------------------------------------------------------------- chat


def test_first_page_is_the_chat_with_the_offline_status(offline):
    at = open_app()
    assert len(at.chat_input) == 1
    assert "Offline tutor: set OPENAI_API_KEY or OPENAI_BASE_URL for LLM answers" in texts(at.sidebar)
    assert "36 entries" in texts(at.sidebar)


def test_offline_question_gets_a_cited_answer_with_a_source_card(offline):
    at = ask(open_app(), ROLLBACK)
    [reply] = assistant_messages(at)
    shown = texts(reply)
    assert "**[1]**" in shown
    assert "Q10 · How would you handle model rollback in the MLOps lifecycle?" in shown
    assert ":violet-badge[Big Tech]" in shown and "Model Management" in shown
    source = reply.expander[0]
    assert source.label == "Read the source answer"
    assert "Origins" in texts(source) and "](https://" in texts(source)


def test_history_survives_reruns_and_new_chat_clears_it(offline):
    at = ask(open_app(), ROLLBACK)
    at.run()
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert ROLLBACK in texts(at.chat_message[0])
    at.button(key="new-chat").click().run()
    assert not at.chat_message
    assert len(at.chat_input) == 1


def test_a_follow_up_button_asks_its_question(offline):
    at = ask(open_app(), ROLLBACK)
    follow_ups = [b for b in at.button if b.key and b.key.startswith("follow-")]
    assert follow_ups, "an in-scope answer suggests follow-up questions"
    question = follow_ups[0].label
    follow_ups[0].click().run()
    assert_no_failure(at)
    users = [m for m in at.chat_message if m.name == "user"]
    assert len(users) == 2 and question in texts(users[1])
    assert len(assistant_messages(at)) == 2


def test_coach_mode_asks_back(offline):
    at = open_app()
    at.segmented_control(key="mode").set_value("Coach").run()
    at = ask(at, "canary deployment")
    [reply] = assistant_messages(at)
    assert reply.info, "coach mode ends with a question for the candidate"
    assert "Your turn" in reply.info[0].value
    assert at.chat_input[0].placeholder == "Your answer to the coach question…"

    at = ask(at, "Send a small share of traffic to the new version first and watch its error rates before widening it.")
    judged = assistant_messages(at)[-1]
    assert "Checked against the source" in texts(judged)
    assert "**[1]**" in texts(judged)
    assert at.chat_input[0].placeholder == "Ask an MLOps interview question…"


def test_an_uncovered_question_says_so_and_cites_nothing(offline):
    at = ask(open_app(), "What is the best recipe for sourdough bread?")
    [reply] = assistant_messages(at)
    assert "Not covered by the guide" in texts(reply)
    assert not reply.expander, "no source card for an answer the guide does not cover"


def test_a_citation_opens_its_entry_in_sources(offline):
    at = ask(open_app(), ROLLBACK)
    [reply] = assistant_messages(at)
    reply.button(key="open-1-1").click().run()
    assert_no_failure(at)
    assert at.session_state["page"] == SOURCES
    assert not at.chat_input
    assert "Q10 · How would you handle model rollback" in texts(at.main)
    assert "**Origins**" in texts(at.main)


# --------------------------------------------------------------------------- sources


def test_sources_browse_filter_and_search(offline):
    at = go_to(open_app(), SOURCES)
    labels = [e.label for e in at.main.expander]
    assert len(labels) == 36 and labels[0] == "What is MLOps?"

    at.selectbox(key="source_section").select("Model Management").run()
    labels = [e.label for e in at.main.expander]
    assert labels and all(label.startswith(("Q8 ", "Q9 ", "Q10 ", "Q11 ", "Q12 ", "Q13 ", "Q14 ")) for label in labels)

    at.toggle(key="source_big_tech").set_value(True).run()
    assert [e.label for e in at.main.expander] == [
        label for label in labels if label.endswith(":violet-badge[Big Tech]")
    ]

    at.selectbox(key="source_section").select("All sections").run()
    at.toggle(key="source_big_tech").set_value(False).run()
    at.text_input(key="source_query").input("how do we roll back a bad model release").run()
    assert at.main.expander[0].label.startswith("Q10 ")
    assert "best matches" in texts(at.main)


def test_html_in_a_corpus_file_shows_as_text(monkeypatch, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text(
        "# Notes\n\n## Serving\n\n### Shadow deployment\n\nRun the new model beside the old one "
        '<script>alert("x")</script> and compare <img src=x onerror="alert(1)"> the outputs.\n',
        encoding="utf-8",
    )
    configure(monkeypatch, tmp_path / "data", corpus)
    at = go_to(open_app(), SOURCES)
    body = texts(at.main)
    assert "&lt;script>" in body and "&lt;img src=x" in body
    assert "<script" not in body and "<img" not in body


# ------------------------------------------------------------------------------ quiz


def answer_current_item(at: AppTest) -> None:
    """Answer the item on screen the way a hurried candidate would, and check it."""
    if at.main.radio:
        at.main.radio[0].set_value(0).run()
    else:
        at.main.text_area[0].input("Keep versions in a registry, monitor the new model and switch back fast.").run()
    [check] = [b for b in at.main.button if b.key and b.key.startswith("check-")]
    check.click().run()
    assert_no_failure(at)


def test_a_full_offline_quiz_round_ends_in_a_summary_and_saved_progress(offline):
    at = go_to(open_app(), QUIZ)
    at.selectbox(key="quiz_section").select("Model Management").run()
    at.slider(key="quiz_n").set_value(3).run()
    at.button(key="quiz_start").click().run()
    assert_no_failure(at)
    for number in range(1, 4):
        assert f"question {number} of 3" in at.main.get("progress")[0].proto.text
        answer_current_item(at)
        feedback = texts(at.main)
        assert "Score" in feedback or "right answer" in feedback or "Right." in feedback
        assert "Read the source answer" in [e.label for e in at.main.expander]
        [next_button] = [b for b in at.main.button if b.key and b.key.startswith("next-")]
        next_button.click().run()
        assert_no_failure(at)

    assert "Quiz done: Model Management" in texts(at.main)
    assert [m.label for m in at.main.metric] == ["Score", "Right", "To review"]
    assert len([e for e in at.main.expander if "·" in e.label and "%" in e.label]) == 3

    from rag.study.progress import ProgressStore

    saved = ProgressStore(offline / "progress.sqlite3").recent(limit=10)
    assert len(saved) == 3 and {a.section for a in saved} == {"Model Management"}

    at.button(key="quiz-progress").click().run()
    assert_no_failure(at)
    assert at.session_state["page"] == PROGRESS
    assert [m.label for m in at.main.metric] == ["Mastery of practised entries", "Entries practised", "Due for review"]
    assert len(at.main.table) == 1 and len(at.main.table[0].value) == 3


def test_a_topic_the_guide_does_not_cover_is_refused_and_the_form_stays(offline):
    at = go_to(open_app(), QUIZ)
    at.segmented_control(key="quiz_kind").set_value("Free text").run()
    at.text_input(key="quiz_free").input("medieval poetry and sourdough").run()
    at.button(key="quiz_start").click().run()
    assert_no_failure(at)
    assert at.main.warning and at.button(key="quiz_start")


def test_progress_before_any_quiz_invites_one(offline):
    at = go_to(open_app(), PROGRESS)
    assert "No attempts yet" in texts(at.main)


# -------------------------------------------------------------------------- with an LLM


def test_llm_mode_streams_a_cited_answer_from_the_fake_server(monkeypatch, fresh_data_dir, fake_llm):
    fake_llm.reply(
        "Keep every version in a registry and switch traffic back to the last good one [1]; "
        "automate it in the pipeline [1] and watch the metrics that trigger it [2].\n"
        "<<FOLLOW_UPS>>\n- What is a model registry?\n- How do canary releases help?"
    )
    configure(
        monkeypatch,
        fresh_data_dir,
        OPENAI_BASE_URL=fake_llm.base_url,
        OPENAI_API_KEY="sk-test-app-0123456789",
        RAG_CHAT_MODEL="fake-chat",
        RAG_LLM_TIMEOUT="2",
        RAG_LLM_MAX_RETRIES="0",
    )
    at = open_app()
    assert f"Using fake-chat at {fake_llm.base_url}" in texts(at.sidebar)
    at = ask(at, ROLLBACK)
    assert fake_llm.calls >= 1 and fake_llm.last_request["stream"] is True
    assert fake_llm.received_api_key("sk-test-app-0123456789")
    [reply] = assistant_messages(at)
    shown = texts(reply)
    assert "switch traffic back to the last good one **[1]**" in shown
    assert "Written by the model" in shown
    cards = [m.value for m in reply.markdown if m.value.startswith("**[")]
    assert len(cards) == 2 and cards[0].startswith("**[1]** **Q10 ·")
    assert [b.label for b in reply.button if b.key.startswith("follow-")] == [
        "What is a model registry?",
        "How do canary releases help?",
    ]
    assert "sk-test-app" not in texts(at.main) + texts(at.sidebar)


def test_a_failing_llm_falls_back_offline_with_a_notice(monkeypatch, fresh_data_dir, fake_llm):
    fake_llm.fail(500)
    configure(
        monkeypatch, fresh_data_dir, OPENAI_BASE_URL=fake_llm.base_url, RAG_LLM_TIMEOUT="2", RAG_LLM_MAX_RETRIES="0"
    )
    at = ask(open_app(), ROLLBACK)
    [reply] = assistant_messages(at)
    shown = texts(reply)
    assert "Offline answer:" in shown
    assert "**[1]** **Q10 ·" in shown
    assert "Traceback" not in shown


def test_a_stream_cut_mid_answer_is_replaced_by_the_offline_answer(monkeypatch, fresh_data_dir, fake_llm):
    fake_llm.reply("Keep every version in a registry and switch back to the last good one quickly [1].").cut_stream(4)
    configure(
        monkeypatch, fresh_data_dir, OPENAI_BASE_URL=fake_llm.base_url, RAG_LLM_TIMEOUT="2", RAG_LLM_MAX_RETRIES="0"
    )
    at = ask(open_app(), ROLLBACK)
    [reply] = assistant_messages(at)
    shown = texts(reply)
    assert "Offline answer:" in shown and "The guide's own words" in shown
    assert "switch back to the last good one" not in shown, "the half answer is not left on screen"


# ---------------------------------------------------------------------- first run, errors


def test_a_missing_index_is_built_on_the_first_run(monkeypatch, tmp_path, tiny_corpus):
    configure(monkeypatch, tmp_path / "data", tiny_corpus)
    at = open_app()
    [status] = at.main.status
    assert status.label.startswith("Index ready: 4 entries") and status.state == "complete"
    assert "4 entries" in texts(at.sidebar)
    at = ask(at, "What is a shadow deployment?")
    assert "Shadow deployment" in texts(assistant_messages(at)[0])


def test_invalid_settings_show_one_line_instead_of_a_traceback(monkeypatch, fresh_data_dir):
    configure(monkeypatch, fresh_data_dir, RAG_TOP_K="zero")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception
    [error] = at.error
    assert error.value.startswith("The settings are not valid:") and "\n" not in error.value
