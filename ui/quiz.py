"""The quiz page: choose a topic, answer the items one by one, see the summary.

A round lives in session state (`state.QuizRound`); every grade is saved to the progress
store as soon as it is given, so stopping half way keeps what was answered.
"""

from __future__ import annotations

import streamlit as st

from rag.errors import UserFacingError
from rag.rendering import choices_markdown, one_line, prompt_markdown, safe_label, safe_markdown
from rag.study.grading import verdict
from ui import state
from ui.components import failure_text, plural, source_card, topic_missing
from ui.index import ensure_index
from ui.navigation import PROGRESS, QUIZ, Page, go_to
from ui.resources import AppContext, progress_for

SECTION, BIG_TECH, WEAK_SPOTS, FREE_TEXT = "Section", "Big Tech", "Weak spots", "Free text"
TOPIC_KINDS = {  # segmented-control label -> how `make_quiz` names the topic (None: chosen below)
    SECTION: None,
    BIG_TECH: "big tech",
    WEAK_SPOTS: "weak spots",
    FREE_TEXT: None,
}
MARKS = {  # a grade's verdict colour -> its mark in the round's summary
    "green": ":green[:material/check_circle:]",
    "orange": ":orange[:material/adjust:]",
    "red": ":red[:material/cancel:]",
}
MAX_TOPIC_CHARS = 300


def render(app: AppContext, tab) -> None:
    with tab:
        ensure_index(app.kb)
        st.markdown("### Quiz yourself")
        store = progress_for(app.settings)
        if store.problem:
            st.warning(safe_markdown(store.problem), icon=":material/warning:")
        round_ = state.quiz_round()
        if round_ is None:
            setup(app)
        elif round_.finished:
            summary(app, round_)
        else:
            item_page(app, store, round_)


def quiz_sections(entries) -> dict[str, int]:
    """Section name -> number of questions, for the sections a quiz can be set on.

    A document whose entries are numbered questions may open with unnumbered text (the
    guide's introduction): that is context, not a section to be quizzed on. A document
    with no numbered entries at all offers each of its sections.
    """
    numbered_files = {e.path for e in entries if e.question_number is not None}
    counts: dict[str, int] = {}
    for e in entries:
        if e.question_number is not None or e.path not in numbered_files:
            counts[e.section] = counts.get(e.section, 0) + 1
    return counts


def setup(app: AppContext) -> None:
    st.session_state.setdefault(state.QUIZ_KIND, SECTION)  # a default here, so "Practise these" can set it
    with st.container(border=True):
        kind = st.segmented_control("Topic", list(TOPIC_KINDS), key=state.QUIZ_KIND, required=True)
        topic = TOPIC_KINDS[kind]
        if kind == SECTION:
            counts = quiz_sections(app.kb.corpus.entries)
            sections = list(counts)
            first_full = next((i for i, name in enumerate(sections) if counts[name] >= 3), 0)
            topic = st.selectbox(
                "Section",
                sections,
                index=first_full,
                key="quiz_section",
                format_func=lambda name: f"{name} ({plural(counts[name], 'question')})",
            )
        elif kind == FREE_TEXT:
            topic = st.text_input(
                "Topic",
                key="quiz_free",
                max_chars=MAX_TOPIC_CHARS,
                placeholder="e.g. deployment strategies, feature stores",
            )
        elif kind == WEAK_SPOTS:
            st.caption("The entries you scored lowest on, and those due for review, first.")
        else:
            st.caption("Questions the guide marks as commonly asked at big tech companies.")
        n = st.slider("Number of questions", 1, 10, 5, key="quiz_n")
        start = st.button("Start the quiz", type="primary", icon=":material/play_arrow:", key="quiz_start")
    if not start:
        return
    if topic_missing(topic):
        return
    from rag.study.quiz import make_quiz

    try:
        with st.spinner("Writing your quiz…"):
            quiz = make_quiz(app.kb, topic, n=n, seed=None, llm=app.llm)
    except UserFacingError as exc:  # a topic the guide does not cover: say so, keep the form
        st.warning(safe_markdown(failure_text(exc, "making a quiz")), icon=":material/search_off:")
        return
    state.start_round(quiz)
    st.rerun()


def item_page(app: AppContext, store, round_: state.QuizRound) -> None:
    quiz, index = round_.quiz, len(round_.grades)
    item, graded = quiz.items[index], round_.graded
    key = f"{round_.number}-{index}"
    head, stop = st.columns([5, 1], vertical_alignment="center")
    head.progress(
        (index + (graded is not None)) / len(quiz.items),
        text=f"{safe_markdown(quiz.topic)} · question {index + 1} of {len(quiz.items)}",
    )
    stop.button("Stop", key="quiz-stop", type="tertiary", icon=":material/close:", on_click=state.end_round)
    if index == 0 and quiz.notice:
        st.caption(f":material/info: {safe_markdown(quiz.notice)}")
    with st.container(border=True):
        st.markdown(prompt_markdown(item.prompt))
        reply = None
        if item.kind == "mcq" and graded is not None:
            st.markdown(choices_markdown(item.choices, item.answer, round_.reply))
        elif item.kind == "mcq":
            reply = st.radio(
                "Your answer",
                list(range(len(item.choices))),
                format_func=lambda i: safe_label(item.choices[i]),
                index=None,
                key=f"quiz-choice-{key}",
                label_visibility="collapsed",
            )
        elif graded is not None:
            st.markdown("\n".join(f"> {line}" for line in safe_markdown(round_.reply or "").splitlines()))
        else:
            reply = st.text_area(
                "Your answer",
                key=f"quiz-reply-{key}",
                height=150,
                placeholder="Answer as you would in the interview: the key points, and why they matter.",
                label_visibility="collapsed",
            )
        if graded is None:
            if st.button("Check my answer", type="primary", key=f"check-{key}", icon=":material/done_all:"):
                check(app, store, round_, item, reply)
            return
    show_grade(app, graded, item, key=key)
    last = index + 1 == len(quiz.items)
    if st.button(
        "See my results" if last else "Next question",
        type="primary",
        icon=":material/arrow_forward:",
        key=f"next-{key}",
    ):
        round_.grades.append((item, graded))
        round_.graded = None
        st.rerun()


def check(app: AppContext, store, round_: state.QuizRound, item, reply) -> None:
    if reply is None or (isinstance(reply, str) and not reply.strip()):
        st.warning("Pick a choice first." if item.kind == "mcq" else "Write a few words first.")
        return
    from rag.study.quiz_grading import grade_item

    with st.spinner("Checking against the source…"):
        grade = grade_item(app.kb, item, reply, llm=app.llm)
    store.record(item, grade)
    round_.graded, round_.reply = grade, reply
    st.rerun()


def show_grade(app: AppContext, grade, item, key: str) -> None:
    feedback = safe_markdown(grade.feedback)
    if item.kind == "mcq":
        if grade.correct:
            st.success(feedback, icon=":material/check_circle:")
        else:
            st.error(feedback, icon=":material/cancel:")
    else:
        shown_verdict = verdict(grade)  # label, colour and count read off the same numbers as the score
        shown = {"green": st.success, "orange": st.warning}.get(shown_verdict.colour, st.error)
        shown(f"**{shown_verdict.label}** · {shown_verdict.words}\n\n{feedback}", icon=":material/grading:")
        covered, missed = st.columns(2)
        covered.markdown(
            "**Covered**\n\n"
            + ("\n".join(f"- :green[:material/check:] {safe_markdown(p)}" for p in grade.covered) or "_none yet_")
        )
        missed.markdown(
            "**Missed**\n\n"
            + (
                "\n".join(f"- :red[:material/close:] {safe_markdown(p)}" for p in grade.missed)
                or "_nothing: well done_"
            )
        )
    if getattr(grade, "notice", None):
        st.caption(f":material/info: {safe_markdown(grade.notice)}")
    entry = app.kb.retriever.entry(item.source_id)
    if entry is not None:
        source_card(entry, key=f"grade-{key}")


def summary(app: AppContext, round_: state.QuizRound) -> None:
    quiz, grades = round_.quiz, round_.grades
    mean = sum(float(g.score) for _, g in grades) / len(grades)
    right = sum(g.correct for _, g in grades)
    with st.container(border=True):
        st.markdown(f"#### Quiz done: {safe_markdown(quiz.topic)}")
        left, middle, right_col = st.columns(3)
        left.metric("Score", f"{mean:.0%}")
        middle.metric("Right", f"{right} of {len(grades)}")
        right_col.metric("To review", str(len(grades) - right))
        st.caption(":material/save: Progress saved: the Progress tab shows your mastery and what is due.")
    for i, (item, grade) in enumerate(grades):
        mark = MARKS[verdict(grade).colour]
        with st.expander(f"{mark} {safe_markdown(one_line(item.prompt))} · **{grade.score:.0%}**"):
            st.markdown(safe_markdown(grade.feedback))
            entry = app.kb.retriever.entry(item.source_id)
            if entry is not None:
                source_card(entry, key=f"summary-{round_.number}-{i}")
    again, other = st.columns(2)
    again.button(
        "New quiz",
        type="primary",
        icon=":material/restart_alt:",
        on_click=state.end_round,
        width="stretch",
        key="quiz-new",
    )
    other.button(
        "See my progress",
        icon=":material/insights:",
        on_click=go_to,
        args=(PROGRESS,),
        kwargs={"quiz": None},
        width="stretch",
        key="quiz-progress",
    )


PAGE = Page(QUIZ, render)
