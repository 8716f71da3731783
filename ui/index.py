"""Keeping the index in line with the corpus, with a progress bar the learner can watch."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

import streamlit as st

from rag.errors import log_unexpected, user_message
from ui import state

log = logging.getLogger("rag.app")


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
    state.set_passages(report.chunks)
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
    if state.index_checked():
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
            if user_message(exc):
                log.warning("index check failed: %s", user_message(exc))
            else:
                log_unexpected(log, exc, "the index check")
            status = None
    if status is not None and status.state == "fresh":
        state.set_passages(status.passages)
    else:
        if status is None or status.state == "missing":
            label = "Building the index for the first time…"
        else:
            label = f"Updating the index ({status.to_embed} passages to embed)…"
        build_index(kb, label)
    state.mark_index_checked()
