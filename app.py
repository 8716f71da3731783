"""MLOps Interview Tutor: the Streamlit face of `rag` (widgets, session state, layout).

Run it with `make run` (or `streamlit run app.py`). Everything it shows comes from `rag`:
settings from the environment, answers from `rag.tutor`, quizzes from `rag.quiz`, and
Markdown made safe by `rag.rendering`. Heavy objects (model, store, retriever, LLM client)
are built once per server with `st.cache_resource`; conversations and quiz rounds live in
`st.session_state`, so they survive reruns.
"""

from __future__ import annotations

import hashlib
import logging
import threading

import streamlit as st

from rag.config import Settings
from rag.rendering import (
    OFFLINE_STATUS,
    backend_status,
    entry_heading,
    highlight_markers,
    origins_markdown,
    safe_markdown,
    safe_stream,
)

log = logging.getLogger("rag.app")

CHAT, QUIZ, SOURCES, PROGRESS = (
    ":material/forum: Chat",
    ":material/quiz: Quiz",
    ":material/menu_book: Sources",
    ":material/insights: Progress",
)
PAGES = (CHAT, QUIZ, SOURCES, PROGRESS)
EXPLAIN, COACH = "Explain", "Coach"
STARTERS = {  # button label -> the question it asks
    "Roll back a bad model": "How would you roll back a bad model in production?",
    "Canary vs blue-green": "What is the difference between canary and blue-green deployment?",
    "Detect data drift": "How do you detect and handle data drift?",
}

st.set_page_config(page_title="MLOps Interview Tutor", page_icon=":material/school:", layout="centered")


# ------------------------------------------------------------------ resources


def describe(exc: BaseException) -> str:
    from rag.cli import describe_error

    return describe_error(exc)


@st.cache_resource(show_spinner=False)
def embedder(model_name_or_path: str):
    """One embedding model per server, loading in the background so the first page is quick."""
    from rag.embeddings import Embedder

    model = Embedder(model_name_or_path)
    threading.Thread(target=_warm_up, args=(model,), name="warm-embedder", daemon=True).start()
    return model


def _warm_up(model) -> None:
    try:
        model.model()
    except Exception as exc:  # the first search reports it properly
        log.warning("embedding model did not load: %s", describe(exc))


@st.cache_resource(show_spinner=False)
def knowledge_base(_settings: Settings, fingerprint: str):
    """One knowledge base per server and configuration (corpus, store, retriever)."""
    from rag.knowledge import KnowledgeBase

    return KnowledgeBase(_settings, embedder(_settings.embedding_model))


@st.cache_resource(show_spinner=False)
def chat_llm(_settings: Settings, fingerprint: str):
    from rag.llm import make_llm

    return make_llm(_settings)


def fingerprint(settings: Settings, *names: str) -> str:
    """A cache key over the settings that matter (hashed, so the key never sits in a cache)."""
    values = [str(getattr(settings, n)) if n != "openai_api_key" else _secret(settings) for n in names]
    return hashlib.sha256("\x1f".join(values).encode()).hexdigest()


def _secret(settings: Settings) -> str:
    return settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""


def kb_for(settings: Settings):
    return knowledge_base(
        settings, fingerprint(settings, "data_dir", "corpus_dir", "embedding_model", "chroma_host", "chroma_port")
    )


def llm_for(settings: Settings):
    if not settings.llm_configured:
        return None
    return chat_llm(
        settings,
        fingerprint(settings, "openai_api_key", "openai_base_url", "chat_model", "llm_timeout_s", "llm_max_retries"),
    )


# ------------------------------------------------------------------ index


def build_index(kb, label: str) -> None:
    """Index with a visible progress bar; the retriever is rebuilt on its next use."""
    with st.status(label, expanded=True) as box:
        bar = st.progress(0.0, text="Reading the corpus…")

        def on_progress(done: int, total: int) -> None:
            bar.progress(min(done / max(total, 1), 1.0), text=f"Embedded {done} of {total} passages")

        report = kb.index(progress=False, on_progress=on_progress)
        bar.progress(1.0, text="Done")
        box.update(
            label=f"Index ready: {report.entries} entries, {report.embedded} passages embedded",
            state="complete",
            expanded=False,
        )
    for problem in report.problems:
        st.warning(f"Skipped {problem}", icon=":material/warning:")
    if report.rebuilt_from_corrupt:
        st.warning("The index was unreadable: it was set aside and rebuilt from the corpus.", icon=":material/warning:")
    st.session_state.index_report = report


def ensure_index(kb) -> None:
    """Check once per session that the index matches the corpus; build it when it does not."""
    if st.session_state.get("index_checked"):
        return
    status = kb.status()
    if status.state != "fresh":
        what = "Building the index for the first time" if status.state == "missing" else "Updating the index"
        build_index(kb, f"{what} ({status.to_embed} passages to embed)…")
    st.session_state.index_checked = True


# ------------------------------------------------------------------ shared pieces


def go_to(page: str, **state) -> None:
    """Switch page from a button callback (before the tabs are drawn on the next run)."""
    st.session_state.page = page
    for key, value in state.items():
        st.session_state[key] = value


def entry_badges(entry, marker: int | None = None) -> str:
    lead = f"**[{marker}]** " if marker is not None else ""
    badges = f" :gray-badge[{safe_markdown(entry.section)}]"
    if entry.big_tech:
        badges += " :violet-badge[Big Tech]"
    return f"{lead}**{entry_heading(entry)}**{badges}"


def entry_body(entry) -> None:
    st.markdown(safe_markdown(entry.answer))
    if entry.origins:
        st.markdown("**Origins**\n\n" + origins_markdown(entry.origins))


def source_card(entry, key: str, marker: int | None = None, open_button: bool = True) -> None:
    """Entry number, title, section, Big Tech badge; the full answer in an expander."""
    with st.container(border=True):
        st.markdown(entry_badges(entry, marker))
        with st.expander("Read the source answer"):
            entry_body(entry)
        if open_button:
            st.button(
                "Open in Sources",
                key=f"open-{key}",
                icon=":material/menu_book:",
                type="tertiary",
                on_click=go_to,
                args=(SOURCES,),
                kwargs={"source_focus": entry.source_id},
            )


def guarded(tab, body, *args) -> None:
    """Run a page; any failure becomes a one-line message in its tab, never a traceback."""
    try:
        body(*args, tab)
    except Exception as exc:
        log.warning("page failed: %s", describe(exc))
        with tab:
            st.error(f"Something went wrong: {describe(exc)}", icon=":material/error:")


# ------------------------------------------------------------------ sidebar


def sidebar(settings: Settings, kb, llm) -> None:
    with st.sidebar:
        st.markdown("## :material/school: MLOps Interview Tutor")
        st.caption("Grounded answers from a curated set of interview questions, always with sources.")
        status = backend_status(settings, llm)
        if status == OFFLINE_STATUS:
            st.info(status, icon=":material/cloud_off:")
        else:
            st.success(status, icon=":material/smart_toy:")

        st.markdown("##### Index")
        try:
            passages = kb.store.count()
            entries = len(kb.corpus.entries)
            st.caption(f"{entries} entries · {passages} passages")
        except Exception as exc:
            st.caption(f"Index unavailable: {describe(exc)}")
        if st.button("Rebuild index", icon=":material/refresh:", use_container_width=True):
            build_index(kb, "Rebuilding the index…")

        with st.expander("Settings for the curious"):
            st.caption(f"Chat model: `{settings.chat_model}`" if llm else "Chat model: none (offline)")
            st.caption(f"Embedding model: `{_short_model(settings.embedding_model)}`")
            st.slider("Sources per answer (k)", 1, 10, value=min(settings.top_k, 10), key="top_k")


def _short_model(name: str) -> str:
    from rag.config import bundled_model_path

    if name == bundled_model_path():
        return "all-MiniLM-L6-v2 (bundled)"
    return name.rstrip("/").rsplit("/", 1)[-1]


# ------------------------------------------------------------------ chat


def ask(question: str) -> None:
    st.session_state.pending_question = question


def new_chat() -> None:
    st.session_state.messages = []
    st.session_state.pop("conversation", None)


def chat_page(kb, llm, tab) -> None:
    from rag.tutor import Conversation

    st.session_state.setdefault("messages", [])
    st.session_state.setdefault("conversation", Conversation())
    # Called at the top level (not inside the tab) so it is pinned to the bottom of the page.
    typed = st.chat_input("Ask an MLOps interview question…", max_chars=kb.settings.max_question_chars)
    question = typed or st.session_state.pop("pending_question", None)
    with tab:
        head, mode_col, reset_col = st.columns([5, 3, 2], vertical_alignment="bottom")
        head.markdown("### Ask the tutor")
        mode_col.segmented_control(
            "Mode", [EXPLAIN, COACH], default=EXPLAIN, key="mode", label_visibility="collapsed", required=True,
            help="Explain: answers from the guide. Coach: a short answer, then a question for you, checked against the source.",
        )
        reset_col.button("New chat", key="new-chat", icon=":material/add_comment:", on_click=new_chat, use_container_width=True)
        if not st.session_state.messages and not question:
            welcome()
        for i, message in enumerate(st.session_state.messages):
            show_message(message, i, last=i == len(st.session_state.messages) - 1 and not question)
        if question:
            answer_turn(kb, llm, question)


def welcome() -> None:
    with st.container(border=True):
        st.markdown(
            "**Practise out loud, then check yourself against the source.** Ask anything about MLOps: "
            "every answer cites the entries of the guide it drew on. Switch to **Coach** to be asked back."
        )
        with st.container(horizontal=True):
            for label, starter in STARTERS.items():
                st.button(label, key=f"starter-{label}", on_click=ask, args=(starter,), icon=":material/arrow_outward:")


def show_message(message: dict, index: int, last: bool) -> None:
    if message["role"] == "user":
        with st.chat_message("user"):
            st.markdown(safe_markdown(message["content"]))
        return
    with st.chat_message("assistant"):
        answer_body(message["answer"], index, last)


def answer_body(answer, index: int, last: bool) -> None:
    markers = [c.marker for c in answer.citations]
    if not answer.grounded:
        st.markdown(":orange-badge[:material/search_off: Not covered by the guide]")
    text, coach_question = split_coach_question(answer)
    st.markdown(highlight_markers(safe_markdown(text), markers))
    if coach_question:
        st.info(f"**Your turn:** {safe_markdown(coach_question)}", icon=":material/record_voice_over:")
    if last and answer.style == "coach" and st.session_state.conversation.pending is not None:
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
    if last and answer.follow_ups:
        st.caption("Ask next")
        with st.container(horizontal=True):
            for j, follow_up in enumerate(answer.follow_ups):
                st.button(safe_markdown(follow_up), key=f"follow-{index}-{j}", on_click=ask, args=(follow_up,))


def split_coach_question(answer) -> tuple[str, str | None]:
    """The answer text without its closing coach question, and that question (shown apart)."""
    question = answer.coach_question
    if not question:
        return answer.answer, None
    line = f"**Coach question:** {question}"
    if line in answer.answer:
        return answer.answer.replace(line, "").rstrip(), question
    return answer.answer, None


def skip_check() -> None:
    st.session_state.conversation.pending = None


@st.cache_resource(show_spinner=False)
def tutor_for(_kb, _llm, kb_key: int, llm_key: int):
    from rag.tutor import Tutor

    return Tutor(_kb, _llm)


def answer_turn(kb, llm, question: str) -> None:
    messages = st.session_state.messages
    with st.chat_message("user"):
        st.markdown(safe_markdown(question))
    style = "coach" if st.session_state.get("mode") == COACH else "explain"
    tutor = tutor_for(kb, llm, id(kb), id(llm))
    with st.chat_message("assistant"):
        slot = st.empty()
        with slot.container():
            with st.spinner("Looking through the guide…"):
                stream = tutor.respond(st.session_state.conversation, question, style=style)
            st.write_stream(safe_stream(stream))
        answer = stream.answer
        messages.append({"role": "user", "content": question})
        messages.append({"role": "assistant", "answer": answer})
        with slot.container():
            answer_body(answer, len(messages) - 1, last=True)


# ------------------------------------------------------------------ sources


def sources_page(kb, tab) -> None:
    retriever = kb.retriever
    with tab:
        st.markdown("### Browse the guide")
        focus = st.session_state.get("source_focus")
        entry = retriever.entry(focus) if focus else None
        if entry is not None:
            with st.container(border=True):
                top, close = st.columns([9, 1], vertical_alignment="center")
                top.markdown(entry_badges(entry))
                close.button("", icon=":material/close:", key="close-focus", help="Close", on_click=go_to, args=(SOURCES,), kwargs={"source_focus": None})
                entry_body(entry)
        query_col, section_col = st.columns([3, 2])
        query = query_col.text_input("Search", key="source_query", placeholder="e.g. model rollback, drift, feature store")
        section = section_col.selectbox("Section", ["All sections", *retriever.sections], key="source_section")
        big_tech = st.toggle("Only questions asked at Big Tech", key="source_big_tech")
        section = None if section == "All sections" else section
        if query.strip():
            hits = retriever.search(query, k=st.session_state.get("top_k", kb.settings.top_k), section=section, big_tech=big_tech or None)
            st.caption(f"{len(hits)} best matches for “{safe_markdown(query.strip())}”")
            for hit in hits:
                entry_expander(hit.entry, note=f"match {hit.score:.2f}")
            if not hits:
                st.info("Nothing matches: try other words or clear the filters.")
            return
        entries = [e for e in kb.corpus.entries if (section is None or e.section == section) and (not big_tech or e.big_tech)]
        st.caption(f"{len(entries)} entries")
        current = None
        for e in entries:
            if e.section != current:
                current = e.section
                st.markdown(f"#### {safe_markdown(current)}")
            entry_expander(e)


def entry_expander(entry, note: str | None = None) -> None:
    label = entry_heading(entry) + (" :violet-badge[Big Tech]" if entry.big_tech else "")
    with st.expander(label):
        caption = f":gray-badge[{safe_markdown(entry.section)}]"
        if note:
            caption += f" :small[{note}]"
        st.markdown(caption)
        entry_body(entry)


# ------------------------------------------------------------------ quiz


def quiz_page(kb, llm, settings, tab) -> None:
    with tab:
        st.markdown("### Quiz yourself")
        round_ = st.session_state.get("quiz")
        if round_ is None:
            quiz_setup(kb, llm)
            return
        quiz, answers = round_["quiz"], round_["answers"]
        if len(answers) >= len(quiz.items):
            quiz_summary(kb, quiz, answers)
            return
        quiz_item(kb, llm, settings, quiz, answers)


def quiz_setup(kb, llm) -> None:
    sections = kb.retriever.sections
    with st.form("quiz-setup", border=True):
        kind = st.radio("Topic", ["A section", "Big Tech questions", "My weak spots", "Anything (free text)"], horizontal=True, key="quiz_kind")
        section = st.selectbox("Section", sections, key="quiz_section")
        free = st.text_input("Free-text topic", key="quiz_free", placeholder="e.g. deployment strategies")
        n = st.slider("Number of questions", 1, 10, 5, key="quiz_n")
        start = st.form_submit_button("Start the quiz", type="primary", icon=":material/play_arrow:")
    if start:
        topic = {"A section": section, "Big Tech questions": "big tech", "My weak spots": "weak spots"}.get(kind, free)
        if not (topic or "").strip():
            st.warning("Type a topic, or pick a section.")
            return
        from rag.quiz import make_quiz

        with st.spinner("Writing your quiz…"):
            quiz = make_quiz(kb, topic, n=n, seed=None, llm=llm)
        if not quiz.items:
            st.warning("No questions match that topic: try a section.")
            return
        st.session_state.quiz = {"quiz": quiz, "answers": [], "topic": topic}
        st.rerun()


def quiz_item(kb, llm, settings, quiz, answers) -> None:
    index = len(answers)
    item = quiz.items[index]
    st.progress(index / len(quiz.items), text=f"Question {index + 1} of {len(quiz.items)}")
    graded = st.session_state.get("quiz_graded")
    with st.container(border=True):
        st.markdown(f"**{safe_markdown(item.prompt)}**")
        if item.kind == "mcq":
            choice = st.radio(
                "Your answer", list(range(len(item.choices))), format_func=lambda i: item.choices[i],
                index=None, key=f"quiz-choice-{quiz_key(quiz)}-{index}", disabled=graded is not None,
            )
        else:
            reply = st.text_area("Your answer", key=f"quiz-reply-{quiz_key(quiz)}-{index}", height=140,
                                 placeholder="Answer as you would in the interview…", disabled=graded is not None)
        if graded is None:
            if st.button("Check my answer", type="primary", key=f"check-{index}"):
                from rag.grading import grade_choice, grade_reply
                from rag.progress import open_progress

                entry = kb.retriever.entry(item.source_id)
                if item.kind == "mcq":
                    if choice is None:
                        st.warning("Pick one of the choices first.")
                        return
                    grade = grade_choice(item, choice)
                else:
                    if not reply.strip():
                        st.warning("Write a few words first.")
                        return
                    with st.spinner("Grading…"):
                        grade = grade_reply(kb, entry, reply, llm=llm)
                open_progress(settings).record(item, grade)
                st.session_state.quiz_graded = grade
                st.rerun()
            return
    show_grade(kb, graded, item, key=f"q{index}")
    label = "Next question" if index + 1 < len(quiz.items) else "See my results"
    if st.button(label, type="primary", icon=":material/arrow_forward:"):
        answers.append({"item": item, "grade": graded})
        st.session_state.quiz_graded = None
        st.rerun()


def quiz_key(quiz) -> str:
    return str(id(quiz))


def show_grade(kb, grade, item, key: str) -> None:
    score = float(grade.score)
    if item.kind == "mcq":
        (st.success if score >= 1 else st.error)(safe_markdown(grade.feedback) or ("Right!" if score >= 1 else "Not quite."))
    else:
        shown = st.success if score >= 0.7 else st.warning if score >= 0.4 else st.error
        shown(f"**Score {score:.0%}** · {safe_markdown(grade.feedback)}")
        covered, missed = st.columns(2)
        covered.markdown("**Covered**\n\n" + ("\n".join(f"- :green[:material/check:] {safe_markdown(p)}" for p in grade.covered) or "_nothing yet_"))
        missed.markdown("**Missed**\n\n" + ("\n".join(f"- :red[:material/close:] {safe_markdown(p)}" for p in grade.missed) or "_nothing: well done_"))
    entry = kb.retriever.entry(item.source_id)
    if entry is not None:
        source_card(entry, key=f"grade-{key}")


def quiz_summary(kb, quiz, answers) -> None:
    scores = [float(a["grade"].score) for a in answers]
    mean = sum(scores) / len(scores)
    st.balloons() if mean >= 0.8 else None
    with st.container(border=True):
        left, right = st.columns(2)
        left.metric("Your score", f"{mean:.0%}")
        right.metric("Questions", f"{sum(s >= 0.7 for s in scores)} of {len(scores)} right")
        st.caption("Progress saved: the Progress tab shows what to review next.")
    for i, a in enumerate(answers):
        item, grade = a["item"], a["grade"]
        mark = ":green[:material/check_circle:]" if grade.score >= 0.7 else ":orange[:material/adjust:]" if grade.score >= 0.4 else ":red[:material/cancel:]"
        entry = kb.retriever.entry(item.source_id)
        with st.expander(f"{mark} {item.prompt}  ·  {grade.score:.0%}"):
            st.markdown(safe_markdown(grade.feedback))
            if entry is not None:
                source_card(entry, key=f"summary-{i}")
    if st.button("New quiz", type="primary", icon=":material/restart_alt:"):
        st.session_state.quiz = None
        st.rerun()


# ------------------------------------------------------------------ progress


def progress_page(kb, settings, tab) -> None:
    from rag.progress import open_progress

    with tab:
        st.markdown("### Your progress")
        store = open_progress(settings)
        entries = kb.corpus.entries
        report = store.report(entries)
        sections = report.sections
        if not any(s.attempts for s in sections):
            st.info("No attempts yet: take a quiz and your mastery per section shows here.", icon=":material/quiz:")
        else:
            import pandas as pd

            frame = pd.DataFrame({"Section": [s.section for s in sections], "Mastery": [s.mastery for s in sections]})
            st.bar_chart(frame, x="Section", y="Mastery", horizontal=True, height=320)
        st.markdown("#### Due for review")
        due = store.due(entries, limit=5)
        if not due:
            st.caption("Nothing due.")
        for i, entry in enumerate(due):
            source_card(entry, key=f"due-{i}")
        st.markdown("#### Recent attempts")
        recent = store.recent(limit=10)
        if recent:
            st.dataframe([r.to_json() if hasattr(r, "to_json") else r for r in recent], hide_index=True)
        else:
            st.caption("No attempts yet.")


# ------------------------------------------------------------------ main


def main() -> None:
    try:
        settings = Settings()
    except Exception as exc:
        st.error(f"The settings are not valid: {describe(exc)}", icon=":material/settings:")
        st.stop()
    kb = kb_for(settings)
    llm = None
    try:
        llm = llm_for(settings)
    except Exception as exc:
        st.warning(f"The LLM is not usable, answering offline: {describe(exc)}", icon=":material/cloud_off:")
    try:
        ensure_index(kb)
    except Exception as exc:
        st.error(f"The index could not be built: {describe(exc)}", icon=":material/error:")
        st.stop()
    sidebar(settings, kb, llm)
    tabs = st.tabs(PAGES, key="page", on_change="rerun")
    chat, quiz, sources, progress = tabs
    if chat.open:
        guarded(chat, chat_page, kb, llm)
    if quiz.open:
        guarded(quiz, quiz_page, kb, llm, settings)
    if sources.open:
        guarded(sources, sources_page, kb)
    if progress.open:
        guarded(progress, progress_page, kb, settings)


main()
