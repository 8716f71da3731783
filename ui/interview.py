"""The mock interview page: a topic, a difficulty and an optional time per question; free-text
answers graded by the one grader; a final report to read and download.

The interview (`rag.study.interview.Interview`) lives in session state under `INTERVIEW`;
each answer is saved to the progress store when it is graded, so stopping half way keeps
what was answered. The time budget is shown by a fragment that reruns every second on its
own, so the clock ticks without redrawing (or losing) the answer being typed; when time is
up the learner is told so and can still submit what they wrote.
"""

from __future__ import annotations

import time

import streamlit as st

from rag.errors import UserFacingError
from rag.rendering import one_line, prompt_markdown, safe_markdown
from rag.study.grading import verdict
from ui.components import failure_text, plural, source_card, topic_missing
from ui.index import ensure_index
from ui.navigation import Page
from ui.resources import AppContext, progress_for

INTERVIEW_TITLE = ":material/record_voice_over: Interview"
INTERVIEW = "interview"  # session state: the Interview in progress (or finished)
STARTED = "interview_started_at"  # session state: when the question on screen was first shown
GRADED = "interview_graded"  # session state: the answer just graded, shown until "Next question"
ROUND = "interview_round"  # session state: a counter, part of every widget key of one interview
MIXED, BIG_TECH, FREE_TEXT = "A mix of every section", "Big Tech questions", "Free text"
DIFFICULTY_HELP = "Easy: the guide's questions. Medium: then an interviewer's follow-ups. Hard: follow-ups first."
MAX_TOPIC_CHARS = 300


def render(app: AppContext, tab) -> None:
    with tab:
        ensure_index(app.kb)
        st.markdown("### Mock interview")
        interview = st.session_state.get(INTERVIEW)
        if interview is None:
            setup(app)
        elif interview.finished and st.session_state.get(GRADED) is None:
            report(app, interview)
        else:
            question_page(app, interview)


def setup(app: AppContext) -> None:
    sections = list(dict.fromkeys(e.section for e in app.kb.corpus.entries if e.question_number is not None))
    with st.container(border=True):
        choice = st.selectbox("Topic", [*sections, MIXED, BIG_TECH, FREE_TEXT], key="interview_topic")
        topic = {MIXED: "mixed", BIG_TECH: "big tech"}.get(choice, choice)
        if choice == FREE_TEXT:
            topic = st.text_input(
                "Free-text topic", key="interview_free", max_chars=MAX_TOPIC_CHARS, placeholder="e.g. kubernetes"
            )
        difficulty = st.segmented_control(
            "Difficulty", ["easy", "medium", "hard"], default="medium", key="interview_difficulty", help=DIFFICULTY_HELP
        )
        n = st.slider("Questions", 1, 10, 4, key="interview_n")
        timed = st.toggle("Time budget per question", key="interview_timed")
        minutes = st.number_input("Minutes per question", 1, 15, 3, key="interview_minutes", disabled=not timed)
        start = st.button("Start the interview", type="primary", icon=":material/play_arrow:", key="interview_start")
    if not start:
        return
    if topic_missing(topic):
        return
    from rag.study.interview import plan_interview

    try:
        interview = plan_interview(
            app.kb,
            topic,
            n=n,
            difficulty=difficulty or "medium",
            progress=progress_for(app.settings),
            seconds=int(minutes * 60) if timed else None,
        )
    except UserFacingError as exc:
        st.warning(safe_markdown(failure_text(exc, "planning the interview")), icon=":material/search_off:")
        return
    st.session_state[INTERVIEW] = interview
    st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1
    st.session_state[STARTED] = time.time()
    st.session_state[GRADED] = None
    st.rerun()


def question_page(app: AppContext, interview) -> None:
    graded = st.session_state.get(GRADED)
    number = len(interview.answers) - (graded is not None)
    question = graded.question if graded is not None else interview.next_question
    key = f"{st.session_state.get(ROUND, 0)}-{number}"
    head, stop = st.columns([5, 1], vertical_alignment="center")
    head.progress(
        (number + (graded is not None)) / len(interview.questions),
        text=f"{safe_markdown(interview.topic)} · {interview.difficulty} · question {number + 1} of "
        f"{len(interview.questions)}",
    )
    stop.button("End", key="interview-end", type="tertiary", icon=":material/close:", on_click=end_early)
    if number == 0 and interview.notices:
        st.caption(f":material/info: {safe_markdown('; '.join(interview.notices))}")
    with st.container(border=True):
        kind = "The guide's question" if question.follow_up is None else f"Follow-up ({question.kind})"
        st.caption(kind)
        st.markdown(prompt_markdown(question.prompt))
        if graded is None:
            if question.seconds:
                timer(question.seconds)
            reply = st.text_area(
                "Your answer",
                key=f"interview-reply-{key}",
                height=170,
                placeholder="Answer as you would in the room: the key points, the trade-offs, and why.",
                label_visibility="collapsed",
            )
            if st.button("Submit answer", type="primary", key=f"interview-submit-{key}", icon=":material/done_all:"):
                submit(app, interview, reply)
            return
        st.markdown("\n".join(f"> {line}" for line in safe_markdown(graded.reply).splitlines()))
    show_answer(app, graded, key)
    last = interview.finished
    if st.button("See the report" if last else "Next question", type="primary", key=f"interview-next-{key}"):
        st.session_state[GRADED] = None
        st.session_state[STARTED] = time.time()
        st.rerun()


@st.fragment(run_every=1)
def timer(seconds: int) -> None:
    """The time left for the question on screen; reruns alone, every second."""
    left = max(0, int(seconds - (time.time() - st.session_state.get(STARTED, time.time()))))
    if left:
        st.progress(left / seconds, text=f":material/timer: {left // 60}:{left % 60:02d} left")
    else:
        st.warning("Time is up: submit what you have.", icon=":material/timer_off:")


def submit(app: AppContext, interview, reply: str) -> None:
    if not (reply or "").strip():
        st.warning("Write your answer first: an empty answer is not graded.", icon=":material/edit:")
        return
    with st.spinner("Checking against the source…"):
        answered = interview.answer(app.kb, reply, llm=app.llm, progress=progress_for(app.settings))
    st.session_state[GRADED] = answered
    st.rerun()


def end_early() -> None:
    """Stop here: the report covers the questions answered so far (none answered: back to the set-up)."""
    interview = st.session_state.get(INTERVIEW)
    if interview is not None:
        interview.questions = interview.questions[: len(interview.answers)] or interview.questions[:0]
    st.session_state[GRADED] = None
    if interview is not None and not interview.questions:
        st.session_state[INTERVIEW] = None


def show_answer(app: AppContext, answered, key: str) -> None:
    grade = answered.grade
    shown_verdict = verdict(grade)
    alert = {"green": st.success, "orange": st.warning}.get(shown_verdict.colour, st.error)
    alert(
        f"**{shown_verdict.label}** · {shown_verdict.words}\n\n{safe_markdown(grade.feedback)}",
        icon=":material/grading:",
    )
    covered, missed = st.columns(2)
    covered.markdown(
        "**Covered**\n\n"
        + ("\n".join(f"- :green[:material/check:] {safe_markdown(p)}" for p in answered.covered) or "_none yet_")
    )
    missed.markdown(
        "**Missed**\n\n"
        + ("\n".join(f"- :red[:material/close:] {safe_markdown(p)}" for p in answered.missed) or "_nothing: well done_")
    )
    for claim in grade.incorrect:
        st.error(
            f"**Wrong:** {safe_markdown(claim.claim)} — {safe_markdown(claim.correction)}", icon=":material/block:"
        )
    thumbs(app, answered, key)


def thumbs(app: AppContext, answered, key: str) -> None:
    """Was this grading fair? Stored in the progress database, counted by `python -m rag progress`."""
    st.feedback(
        "thumbs",
        key=f"interview-thumbs-{key}",
        on_change=save_feedback,
        args=(app, answered.question.prompt, answered.question.source_id, f"interview-thumbs-{key}"),
    )


def save_feedback(app: AppContext, question: str, source_id: str, key: str) -> None:
    rating = st.session_state.get(key)
    if rating is not None:
        progress_for(app.settings).record_feedback(
            int(rating), question=question, source_id=source_id, kind="interview"
        )


def report(app: AppContext, interview) -> None:
    with st.container(border=True):
        st.markdown(f"#### Interview done: {safe_markdown(interview.topic)}")
        left, middle, right = st.columns(3)
        left.metric("Score", f"{interview.score:.0%}")
        middle.metric("Answered", f"{len(interview.answers)} of {len(interview.questions)}")
        right.metric("Difficulty", interview.difficulty)
        st.caption(":material/save: Saved to your progress.")
    for i, answered in enumerate(interview.answers):
        question, grade = answered.question, answered.grade
        with st.expander(f"{safe_markdown(one_line(question.prompt))} · **{grade.score:.0%}**"):
            st.markdown(
                "**Your answer**\n\n" + "\n".join(f"> {line}" for line in safe_markdown(answered.reply).splitlines())
            )
            if answered.covered:
                st.markdown("**Covered:** " + safe_markdown("; ".join(answered.covered)))
            if answered.missed:
                st.markdown("**Missed:** " + safe_markdown("; ".join(answered.missed)))
            for claim in grade.incorrect:
                st.markdown(f"**Wrong:** {safe_markdown(claim.claim)} — {safe_markdown(claim.correction)}")
            st.markdown("**Model answer**\n\n" + safe_markdown(question.model_answer()))
            source_card(question.entry, key=f"interview-source-{i}")
    download, again = st.columns(2)
    download.download_button(
        "Download the report (Markdown)",
        interview.report_markdown(),
        file_name="mock-interview.md",
        mime="text/markdown",
        icon=":material/download:",
        key="interview-download",
        on_click="ignore",
        width="stretch",
    )
    again.button(
        "New interview", type="primary", icon=":material/restart_alt:", on_click=new_interview, width="stretch"
    )
    anki(app, interview.topic)


def anki(app: AppContext, topic: str) -> None:
    """The topic's study items as an Anki deck, built on request (it takes a moment)."""
    if st.button(f"Make an Anki deck of “{safe_markdown(topic)}”", icon=":material/style:", key="interview-anki"):
        from rag.study.exports import anki_deck_bytes

        try:
            data, notes = anki_deck_bytes(app.kb, topic=topic)
        except UserFacingError as exc:
            st.warning(safe_markdown(failure_text(exc, "making the deck")))
            return
        st.download_button(
            f"Download the deck ({plural(notes, 'card')})",
            data,
            file_name="mlops-interview.apkg",
            mime="application/octet-stream",
            icon=":material/download:",
            key="interview-anki-download",
            on_click="ignore",
        )


def new_interview() -> None:
    st.session_state[INTERVIEW] = None
    st.session_state[GRADED] = None


PAGE = Page(INTERVIEW_TITLE, render)
