"""Keeping the index in line with the corpus, with a progress bar the learner can watch."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import streamlit as st

from rag.corpus_files import corpus_signature
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
    state.mark_index_checked(follow_corpus(kb))


@st.cache_resource(show_spinner=False)
def index_check(_kb, kb_key: int, corpus_signature: tuple) -> Future:
    """Is the index in line with the corpus? Checked once per server and state of the corpus
    folder, in the background, because it parses and chunks the whole corpus (seconds) and
    the first page needs neither."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-check")
    try:
        return executor.submit(_kb.status)
    finally:
        executor.shutdown(wait=False)


@dataclass
class _CorpusSeen:
    """The corpus folder's signature when the server's knowledge base last read it."""

    signature: tuple | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


@st.cache_resource(show_spinner=False)
def _corpus_seen(_kb, kb_key: int) -> _CorpusSeen:
    return _CorpusSeen()


def follow_corpus(kb) -> tuple:
    """The corpus folder's signature now; when it changed since the knowledge base read it
    (`python -m rag index` or an editor added, changed or removed a file), the knowledge base
    forgets its corpus, store and retriever so every session reads them again."""
    signature = corpus_signature(kb.settings.corpus_dir)
    seen = _corpus_seen(kb, id(kb))
    with seen.lock:
        if seen.signature is not None and seen.signature != signature:
            log.info("the corpus folder changed; reading it and the index again")
            kb.reload()
        seen.signature = signature
    return signature


def ensure_index(kb, wait: bool = True) -> None:
    """Once per session and state of the corpus folder: build a missing index now; a stale one
    as soon as the check says so.

    With `wait=False` (the chat page before any question) an unfinished check is left for a
    later run, so the first page shows at once; anything that retrieves waits for it. Until
    the check is done the sidebar says nothing about the index being up to date.
    """
    signature = follow_corpus(kb)
    if state.index_checked(signature):
        return
    state.set_passages(None)
    settings = kb.settings
    if not settings.chroma_host and not (settings.index_dir / "chroma.sqlite3").exists():
        status = None
    else:
        check = index_check(kb, id(kb), signature)
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
    state.mark_index_checked(signature)
