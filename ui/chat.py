"""The chat page: ask the tutor, in Explain mode (cited answers) or Coach mode (asked back).

In Coach mode the tutor ends with a question and checks the learner's next message against
the source. Only what the learner types answers it: a suggestion button asks its own
question and drops the waiting one (`state.queue_question`).
"""

from __future__ import annotations

import streamlit as st

from rag.rendering import highlight_markers, safe_markdown, safe_stream, split_coach_question
from ui import state
from ui.components import source_card
from ui.index import ensure_index
from ui.navigation import CHAT, Page
from ui.resources import AppContext, tutor_for

EXPLAIN, COACH = "Explain", "Coach"
STARTERS = {  # button label -> the question it asks
    "Roll back a bad model": "How would you roll back a bad model in production?",
    "Canary vs blue-green": "What is the difference between canary and blue-green deployment?",
    "Detect data drift": "How do you detect and handle data drift?",
}
MODE_HELP = (
    "Explain: answers from the guide. Coach: a short answer, then a question for you, checked against the source."
)


def render(app: AppContext, tab) -> None:
    conversation = state.conversation()
    # Called at the top level (not inside the tab) so it is pinned to the bottom of the page.
    waiting = conversation.pending is not None
    placeholder = "Your answer to the coach question…" if waiting else "Ask an MLOps interview question…"
    typed = st.chat_input(placeholder, key="question", max_chars=app.settings.max_question_chars)
    question = typed or state.take_queued_question()
    messages = state.messages()
    with tab:
        head, mode_col, reset_col = st.columns([5, 3, 2], vertical_alignment="center")
        head.markdown("### Ask the tutor")
        mode_col.segmented_control(
            "Mode",
            [EXPLAIN, COACH],
            default=EXPLAIN,
            key=state.MODE,
            label_visibility="collapsed",
            required=True,
            help=MODE_HELP,
        )
        reset_col.button(
            "New chat", key="new-chat", icon=":material/add_comment:", on_click=state.new_chat, width="stretch"
        )
        if not messages and not question:
            welcome()
        for i, message in enumerate(messages):
            show_message(message, i, last=i == len(messages) - 1 and not question)
        if messages and not question:
            transcript_download()
        if question:
            ensure_index(app.kb)
            answer_turn(app, question)
    if (state.conversation().pending is not None) != waiting:
        st.rerun()  # the chat box's placeholder says whether a coach question waits for a reply


def welcome() -> None:
    with st.container(border=True):
        st.markdown(
            "**Practise out loud, then check yourself against the source.** Ask anything about MLOps: "
            "every answer cites the entries of the guide it drew on. Switch to **Coach** to be asked back."
        )
        with st.container(horizontal=True):
            for label, starter in STARTERS.items():
                st.button(
                    label,
                    key=f"starter-{label}",
                    on_click=state.queue_question,
                    args=(starter,),
                    icon=":material/arrow_outward:",
                )


def show_message(message: state.ChatMessage, index: int, last: bool) -> None:
    if message.role == "user":
        with st.chat_message("user"):
            st.markdown(safe_markdown(message.text))
        return
    with st.chat_message("assistant"):
        answer_body(message.answer, index, last)


def answer_body(answer, index: int, last: bool) -> None:
    markers = [c.marker for c in answer.citations]
    if not answer.grounded:
        st.markdown(":orange-badge[:material/search_off: Not covered by the guide]")
    text, coach_question = split_coach_question(answer.answer, answer.coach_question)
    st.markdown(highlight_markers(safe_markdown(text), markers))
    if coach_question:
        st.info(f"**Your turn:** {safe_markdown(coach_question)}", icon=":material/record_voice_over:")
    if last and answer.style == "coach" and state.conversation().pending is not None:
        hint, skip = st.columns([4, 1], vertical_alignment="center")
        hint.caption("Answer in the chat box: your reply is checked against the source.")
        skip.button("Skip", key=f"skip-{index}", on_click=skip_check, type="tertiary", icon=":material/skip_next:")
    if answer.notice:
        st.caption(f":material/info: {safe_markdown(answer.notice)}")
    for citation in answer.citations:
        source_card(citation.entry, key=f"{index}-{citation.marker}", marker=citation.marker)
    if answer.mode == "llm":
        st.caption(":material/smart_toy: Written by the model from the numbered sources")
    elif answer.grounded:
        st.caption(":material/menu_book: The guide's own words (offline tutor)")
    thumbs(answer, index)
    if last and answer.follow_ups:
        st.caption("Ask next" if answer.grounded else "Closest topics I can explain")
        with st.container(horizontal=True):
            for j, follow_up in enumerate(answer.follow_ups):
                st.button(
                    safe_markdown(follow_up),
                    key=f"follow-{index}-{j}",
                    on_click=state.queue_question,
                    args=(follow_up,),
                )


def thumbs(answer, index: int) -> None:
    """Thumbs up/down on an answer, stored in the progress database (`python -m rag progress` counts them)."""
    key = f"thumbs-{index}"
    st.feedback("thumbs", key=key, on_change=save_feedback, args=(answer, key))


def save_feedback(answer, key: str) -> None:
    from ui.resources import app_settings, progress_for

    rating = st.session_state.get(key)
    if rating is not None:
        source_id = answer.citations[0].source_id if answer.citations else ""
        progress_for(app_settings()).record_feedback(int(rating), question=answer.question, source_id=source_id)


def transcript_download() -> None:
    """The conversation as Markdown, each answer with the sources it cites."""
    from rag.study.exports import chat_transcript_markdown

    st.download_button(
        "Download the conversation",
        chat_transcript_markdown(state.conversation().turns),
        file_name="mlops-tutor-conversation.md",
        mime="text/markdown",
        icon=":material/download:",
        key="chat-transcript",
        on_click="ignore",
        type="tertiary",
    )


def skip_check() -> None:
    state.conversation().pending = None


def answer_turn(app: AppContext, question: str) -> None:
    messages = state.messages()
    with st.chat_message("user"):
        st.markdown(safe_markdown(question))
    style = "coach" if st.session_state.get(state.MODE) == COACH else "explain"
    tutor = tutor_for(app)
    with st.chat_message("assistant"):
        slot = st.empty()
        with slot.container():
            with st.spinner("Looking through the guide…"):
                stream = tutor.respond(state.conversation(), question, style=style)
            st.write_stream(safe_stream(stream))
        answer = stream.answer
        messages.append(state.ChatMessage("user", text=question))
        messages.append(state.ChatMessage("assistant", answer=answer))
        with slot.container():
            answer_body(answer, len(messages) - 1, last=True)


PAGE = Page(CHAT, render)
