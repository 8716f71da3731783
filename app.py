"""MLOps Interview Tutor: the Streamlit face of `rag` (widgets, session state, layout).

Run it with `make run` (or `streamlit run app.py`). Everything it shows comes from `rag`:
settings from the environment, answers from `rag.tutor.tutor`, quizzes from `rag.study.quiz`, and
Markdown made safe by `rag.rendering`. Heavy objects (model, store, retriever, LLM client)
are built once per server with `st.cache_resource`; conversations and quiz rounds live in
`st.session_state`, so they survive reruns.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import streamlit as st

from rag.config import Settings
from rag.rendering import (
    OFFLINE_STATUS,
    backend_status,
    choices_markdown,
    entry_heading,
    highlight_markers,
    one_line,
    origins_markdown,
    prompt_markdown,
    safe_markdown,
    safe_stream,
    split_coach_question,
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


APP_DIR = Path(__file__).resolve().parent


def load_settings() -> Settings:
    """Settings from the environment; relative folders that exist only next to the app (it was
    started from another directory: `streamlit run path/to/app.py`) are taken from there."""
    settings = Settings()
    moved = {}
    for name in ("corpus_dir", "data_dir"):
        path = getattr(settings, name)
        if not path.is_absolute() and not path.exists() and (APP_DIR / path).exists():
            moved[name] = APP_DIR / path
    return settings.model_copy(update=moved) if moved else settings


def describe(exc: BaseException) -> str:
    from rag.cli import describe_error

    return describe_error(exc)


@st.cache_resource(show_spinner=False)
def embedder(model_name_or_path: str):
    """One embedding model per server (it loads on first use, or in the background: `warm_up`)."""
    from rag.embeddings import Embedder

    return Embedder(model_name_or_path)


@st.cache_resource(show_spinner=False)
def warm_up(model_name_or_path: str, _model) -> threading.Thread:
    """Load the model once, in the background, after the first page is drawn (not before it)."""
    thread = threading.Thread(target=_load, args=(_model,), name="warm-embedder", daemon=True)
    thread.start()
    return thread


def _load(model) -> None:
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
        st.warning(problem.message, icon=":material/warning:")
    if report.rebuilt_from_corrupt:
        st.warning("The index was unreadable: it was set aside and rebuilt from the corpus.", icon=":material/warning:")
    st.session_state.passages = report.chunks
    index_check.clear()  # the next session checks again instead of trusting the old verdict


@st.cache_resource(show_spinner=False)
def index_check(_kb, kb_key: int) -> Future:
    """Is the index in line with the corpus? Checked once per server, in the background,
    because it parses and chunks the whole corpus (seconds) and the first page needs neither."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-check")
    try:
        return executor.submit(_kb.status)
    finally:
        executor.shutdown(wait=False)


def ensure_index(kb, wait: bool = True) -> None:
    """Once per session: build a missing index now; a stale one as soon as the check says so.

    With `wait=False` (the chat page before any question) an unfinished check is left for a
    later run, so the first page shows at once; anything that retrieves waits for it.
    """
    if st.session_state.get("index_checked"):
        return
    settings = kb.settings
    if not settings.chroma_host and not (settings.index_dir / "chroma.sqlite3").exists():
        status = None
    else:
        check = index_check(kb, id(kb))
        if not wait and not check.done():
            return
        try:
            status = check.result()
        except Exception as exc:  # an unreadable index: indexing sets it aside and rebuilds
            log.warning("index check failed: %s", describe(exc))
            status = None
    if status is not None and status.state == "fresh":
        st.session_state.passages = status.passages
    else:
        if status is None or status.state == "missing":
            label = "Building the index for the first time…"
        else:
            label = f"Updating the index ({status.to_embed} passages to embed)…"
        build_index(kb, label)
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
        if st.button(
            "Rebuild index",
            icon=":material/refresh:",
            width="stretch",
            help="Re-read the corpus folder and embed what changed",
        ):
            build_index(kb, "Rebuilding the index…")
        counts = f"{len(kb.corpus.entries)} entries"
        if "passages" in st.session_state:
            counts += f" · {st.session_state.passages} passages · up to date"
        st.caption(counts)

        with st.expander("Settings for the curious"):
            st.caption(f"Chat model: `{settings.chat_model}`" if llm else "Chat model: none (offline)")
            st.caption(f"Embedding model: `{_short_model(settings.embedding_model)}`")
            st.caption(f"Passages retrieved per question (k): **{settings.top_k}** (`RAG_TOP_K`)")
            st.caption(f"Data: `{settings.data_dir}` · corpus: `{settings.corpus_dir}`")


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
    from rag.tutor.tutor import Conversation

    st.session_state.setdefault("messages", [])
    st.session_state.setdefault("conversation", Conversation())
    # Called at the top level (not inside the tab) so it is pinned to the bottom of the page.
    waiting = st.session_state.conversation.pending is not None
    placeholder = "Your answer to the coach question…" if waiting else "Ask an MLOps interview question…"
    typed = st.chat_input(placeholder, key="question", max_chars=kb.settings.max_question_chars)
    question = typed or st.session_state.pop("pending_question", None)
    with tab:
        head, mode_col, reset_col = st.columns([5, 3, 2], vertical_alignment="center")
        head.markdown("### Ask the tutor")
        mode_col.segmented_control(
            "Mode",
            [EXPLAIN, COACH],
            default=EXPLAIN,
            key="mode",
            label_visibility="collapsed",
            required=True,
            help="Explain: answers from the guide. Coach: a short answer, then a question for you, checked against the source.",
        )
        reset_col.button("New chat", key="new-chat", icon=":material/add_comment:", on_click=new_chat, width="stretch")
        if not st.session_state.messages and not question:
            welcome()
        for i, message in enumerate(st.session_state.messages):
            show_message(message, i, last=i == len(st.session_state.messages) - 1 and not question)
        if question:
            ensure_index(kb)
            answer_turn(kb, llm, question)
    if (st.session_state.conversation.pending is not None) != waiting:
        st.rerun()  # the chat box's placeholder says whether a coach question waits for a reply


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
    text, coach_question = split_coach_question(answer.answer, answer.coach_question)
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


def skip_check() -> None:
    st.session_state.conversation.pending = None


@st.cache_resource(show_spinner=False)
def tutor_for(_kb, _llm, kb_key: int, llm_key: int):
    from rag.tutor.tutor import Tutor

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
    with tab:
        ensure_index(kb)
        retriever = kb.retriever
        st.markdown("### Browse the guide")
        focus = st.session_state.get("source_focus")
        entry = retriever.entry(focus) if focus else None
        if entry is not None:
            with st.container(border=True):
                top, close = st.columns([9, 1], vertical_alignment="center")
                top.markdown(entry_badges(entry))
                close.button(
                    "",
                    icon=":material/close:",
                    key="close-focus",
                    help="Close",
                    on_click=go_to,
                    args=(SOURCES,),
                    kwargs={"source_focus": None},
                )
                entry_body(entry)
        query_col, section_col = st.columns([3, 2])
        query = query_col.text_input(
            "Search", key="source_query", placeholder="e.g. model rollback, drift, feature store"
        )
        section = section_col.selectbox("Section", ["All sections", *retriever.sections], key="source_section")
        big_tech = st.toggle("Only questions asked at Big Tech", key="source_big_tech")
        section = None if section == "All sections" else section
        if query.strip():
            hits = retriever.search(query, k=kb.settings.top_k, section=section, big_tech=big_tech or None)
            st.caption(f"{len(hits)} best matches for “{safe_markdown(query.strip())}”")
            for hit in hits:
                entry_expander(hit.entry, note=f"match {hit.score:.2f}")
            if not hits:
                st.info("Nothing matches: try other words or clear the filters.")
            return
        entries = [
            e for e in kb.corpus.entries if (section is None or e.section == section) and (not big_tech or e.big_tech)
        ]
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

TOPIC_KINDS = {  # segmented-control label -> how `make_quiz` names the topic (None: chosen below)
    "Section": None,
    "Big Tech": "big tech",
    "Weak spots": "weak spots",
    "Free text": None,
}


@st.cache_resource(show_spinner=False)
def progress_store(path: str):
    """One progress store per server and file (its SQLite connection is shared under a lock)."""
    from rag.study.progress import ProgressStore

    return ProgressStore(path)


def progress_for(settings: Settings):
    return progress_store(str(settings.progress_path))


def quiz_page(kb, llm, settings, tab) -> None:
    with tab:
        ensure_index(kb)
        st.markdown("### Quiz yourself")
        store = progress_for(settings)
        if store.problem:
            st.warning(safe_markdown(store.problem), icon=":material/warning:")
        round_ = st.session_state.get("quiz")
        if round_ is None:
            quiz_setup(kb, llm)
        elif len(round_["grades"]) >= len(round_["quiz"].items):
            quiz_summary(kb, round_)
        else:
            quiz_item(kb, llm, store, round_)


def quiz_setup(kb, llm) -> None:
    with st.container(border=True):
        kind = st.segmented_control("Topic", list(TOPIC_KINDS), default="Section", key="quiz_kind", required=True)
        topic = TOPIC_KINDS[kind]
        if kind == "Section":
            sections = kb.retriever.sections
            counts = {name: sum(e.section == name for e in kb.corpus.entries) for name in sections}
            first_full = next((i for i, name in enumerate(sections) if counts[name] >= 3), 0)
            topic = st.selectbox(
                "Section",
                sections,
                index=first_full,
                key="quiz_section",
                format_func=lambda name: f"{name} ({counts[name]} questions)",
            )
        elif kind == "Free text":
            topic = st.text_input("Topic", key="quiz_free", placeholder="e.g. deployment strategies, feature stores")
        elif kind == "Weak spots":
            st.caption("The entries you scored lowest on, and those due for review, first.")
        else:
            st.caption("Questions the guide marks as commonly asked at big tech companies.")
        n = st.slider("Number of questions", 1, 10, 5, key="quiz_n")
        start = st.button("Start the quiz", type="primary", icon=":material/play_arrow:", key="quiz_start")
    if not start:
        return
    if not (topic or "").strip():
        st.warning("Type a topic first, or pick a section.", icon=":material/edit:")
        return
    from rag.study.quiz import make_quiz

    try:
        with st.spinner("Writing your quiz…"):
            quiz = make_quiz(kb, topic, n=n, seed=None, llm=llm)
    except ValueError as exc:  # a topic the guide does not cover: say so, keep the form
        st.warning(safe_markdown(describe(exc)), icon=":material/search_off:")
        return
    st.session_state.quiz = {
        "quiz": quiz,
        "grades": [],
        "graded": None,
        "round": st.session_state.get("quiz_rounds", 0) + 1,
    }
    st.session_state.quiz_rounds = st.session_state.quiz["round"]
    st.rerun()


def quiz_item(kb, llm, store, round_) -> None:
    quiz, grades = round_["quiz"], round_["grades"]
    index = len(grades)
    item = quiz.items[index]
    graded = round_["graded"]
    key = f"{round_['round']}-{index}"
    head, stop = st.columns([5, 1], vertical_alignment="center")
    head.progress(
        (index + (graded is not None)) / len(quiz.items),
        text=f"{safe_markdown(quiz.topic)} · question {index + 1} of {len(quiz.items)}",
    )
    stop.button("Stop", key="quiz-stop", type="tertiary", icon=":material/close:", on_click=end_quiz)
    if index == 0 and quiz.notice:
        st.caption(f":material/info: {safe_markdown(quiz.notice)}")
    with st.container(border=True):
        st.markdown(prompt_markdown(item.prompt))
        if item.kind == "mcq" and graded is not None:
            st.markdown(choices_markdown(item.choices, item.answer, round_.get("reply")))
        elif item.kind == "mcq":
            reply = st.radio(
                "Your answer",
                list(range(len(item.choices))),
                format_func=lambda i: item.choices[i],
                index=None,
                key=f"quiz-choice-{key}",
                label_visibility="collapsed",
            )
        elif graded is not None:
            st.markdown("\n".join(f"> {line}" for line in safe_markdown(round_.get("reply") or "").splitlines()))
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
                if reply is None or (isinstance(reply, str) and not reply.strip()):
                    st.warning("Pick a choice first." if item.kind == "mcq" else "Write a few words first.")
                    return
                from rag.study.quiz import grade_item

                with st.spinner("Checking against the source…"):
                    grade = grade_item(kb, item, reply, llm=llm)
                store.record(item, grade)
                round_["graded"], round_["reply"] = grade, reply
                st.rerun()
            return
    show_grade(kb, graded, item, key=key)
    last = index + 1 == len(quiz.items)
    if st.button(
        "See my results" if last else "Next question",
        type="primary",
        icon=":material/arrow_forward:",
        key=f"next-{key}",
    ):
        grades.append((item, graded))
        round_["graded"] = None
        st.rerun()


def end_quiz() -> None:
    st.session_state.quiz = None


def show_grade(kb, grade, item, key: str) -> None:
    score = float(grade.score)
    feedback = safe_markdown(grade.feedback)
    if item.kind == "mcq":
        if grade.correct:
            st.success(feedback, icon=":material/check_circle:")
        else:
            st.error(feedback, icon=":material/cancel:")
    else:
        shown = st.success if grade.correct else st.warning if score >= 0.4 else st.error
        shown(f"**Score {score:.0%}** · {feedback}", icon=":material/grading:")
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
    entry = kb.retriever.entry(item.source_id)
    if entry is not None:
        source_card(entry, key=f"grade-{key}")


def quiz_summary(kb, round_) -> None:
    quiz, grades = round_["quiz"], round_["grades"]
    scores = [float(g.score) for _, g in grades]
    mean = sum(scores) / len(scores)
    right = sum(g.correct for _, g in grades)
    with st.container(border=True):
        st.markdown(f"#### Quiz done: {safe_markdown(quiz.topic)}")
        left, middle, right_col = st.columns(3)
        left.metric("Score", f"{mean:.0%}")
        middle.metric("Right", f"{right} of {len(grades)}")
        right_col.metric("To review", str(len(grades) - right))
        st.caption(":material/save: Progress saved: the Progress tab shows your mastery and what is due.")
    for i, (item, grade) in enumerate(grades):
        mark = (
            ":green[:material/check_circle:]"
            if grade.correct
            else ":orange[:material/adjust:]"
            if grade.score >= 0.4
            else ":red[:material/cancel:]"
        )
        with st.expander(f"{mark} {safe_markdown(one_line(item.prompt))} · **{grade.score:.0%}**"):
            st.markdown(safe_markdown(grade.feedback))
            entry = kb.retriever.entry(item.source_id)
            if entry is not None:
                source_card(entry, key=f"summary-{round_['round']}-{i}")
    again, other = st.columns(2)
    again.button(
        "New quiz", type="primary", icon=":material/restart_alt:", on_click=end_quiz, width="stretch", key="quiz-new"
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


# ------------------------------------------------------------------ progress


def progress_page(kb, settings, tab) -> None:
    with tab:
        ensure_index(kb)
        st.markdown("### Your progress")
        store = progress_for(settings)
        entries = kb.corpus.entries
        report = store.report(entries)
        if report.notice:
            st.warning(safe_markdown(report.notice), icon=":material/warning:")
        if not report.attempts:
            st.info("No attempts yet: take a quiz and your mastery per section shows here.", icon=":material/quiz:")
            st.button("Take a quiz", type="primary", icon=":material/play_arrow:", on_click=go_to, args=(QUIZ,))
            return
        seen = sum(s.seen for s in report.sections)
        a, b, c = st.columns(3)
        a.metric("Overall mastery", f"{report.mastery:.0%}")
        b.metric("Entries practised", f"{seen} of {len(entries)}")
        c.metric("Due for review", str(len(report.due)))
        st.markdown("#### Mastery per section")
        st.altair_chart(mastery_chart(report.sections), width="stretch")
        due_head, practise = st.columns([3, 1], vertical_alignment="center")
        due_head.markdown("#### Due for review")
        if report.due:
            practise.button(
                "Practise these",
                icon=":material/play_arrow:",
                type="primary",
                on_click=go_to,
                args=(QUIZ,),
                kwargs={"quiz": None, "quiz_kind": "Weak spots"},
                width="stretch",
            )
        else:
            st.caption("Nothing due: well done.")
        for progress in report.due[:8]:
            entry_expander(progress.entry, note=f"mastery {progress.mastery:.0%}")
        st.markdown("#### Recent attempts")
        labels = {e.source_id: e.label for e in entries}
        import pandas as pd

        recent = store.recent(limit=10)
        st.dataframe(
            pd.DataFrame(
                {
                    "When": [datetime.fromtimestamp(a.answered_at) for a in recent],
                    "Question": [labels.get(a.source_id, a.source_id) for a in recent],
                    "Kind": ["choice" if a.kind == "mcq" else "open" for a in recent],
                    "Score": [round(100 * a.score) for a in recent],
                }
            ),
            hide_index=True,
            column_config={
                "When": st.column_config.DatetimeColumn(format="D MMM, HH:mm", width="small"),
                "Question": st.column_config.TextColumn(width="large"),
                "Kind": st.column_config.TextColumn(width="small"),
                "Score": st.column_config.ProgressColumn(min_value=0, max_value=100, format="%d%%", width="small"),
            },
        )


def mastery_chart(sections):
    """Horizontal bars on a fixed 0-100 % scale, so 20 % never looks like a full bar."""
    import altair as alt
    import pandas as pd

    frame = pd.DataFrame(
        {
            "Section": [s.section for s in sections],
            "Mastery": [s.mastery for s in sections],
            "Practised": [f"{s.seen} of {s.entries}" for s in sections],
        }
    )
    return (
        alt.Chart(frame)
        .mark_bar(cornerRadiusEnd=3, color="#4F46E5")
        .encode(
            x=alt.X("Mastery:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%", title=None)),
            y=alt.Y("Section:N", sort=None, axis=alt.Axis(title=None, labelLimit=260)),
            tooltip=["Section", alt.Tooltip("Mastery:Q", format=".0%"), "Practised"],
        )
        .properties(height=alt.Step(28))
    )


# ------------------------------------------------------------------ main


def main() -> None:
    try:
        settings = load_settings()
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
        ensure_index(kb, wait=False)
    except Exception as exc:
        st.error(f"The index could not be built: {describe(exc)}", icon=":material/error:")
        st.stop()
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
    sidebar(settings, kb, llm)
    warm_up(settings.embedding_model, kb.embedder)


main()
