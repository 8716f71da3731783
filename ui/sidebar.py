"""The sidebar: who writes the answers, the index and its rebuild button, the settings in use."""

from __future__ import annotations

import streamlit as st

from rag.rendering import OFFLINE_STATUS, backend_status
from ui import state
from ui.components import failure_text, plural
from ui.index import build_index
from ui.resources import AppContext


def sidebar(app: AppContext) -> None:
    settings, kb, llm = app.settings, app.kb, app.llm
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
            try:
                build_index(kb, "Rebuilding the index…")
            except Exception as exc:
                st.error(f"The index could not be rebuilt: {failure_text(exc, 'rebuilding the index')}")
        try:  # reading the corpus can fail in ways no page should show as a traceback
            st.caption(index_summary(kb))
        except Exception as exc:
            st.warning(f"The corpus could not be read: {failure_text(exc, 'reading the corpus')}")

        with st.expander("Settings for the curious"):
            st.caption(f"Chat model: `{settings.chat_model}`" if llm else "Chat model: none (offline)")
            st.caption(f"Embedding model: `{short_model_name(settings.embedding_model)}`")
            st.caption(f"Passages retrieved per question (k): **{settings.top_k}** (`RAG_TOP_K`)")
            st.caption(f"Data: `{settings.data_dir}` · corpus: `{settings.corpus_dir}`")


def index_summary(kb) -> str:
    """'38 entries · 912 passages · up to date' once this session checked the index against
    the corpus folder as it is now; only the entries while that check is pending."""
    summary = plural(len(kb.corpus.entries), "entry", "entries")
    if state.passages() is not None:
        summary += f" · {state.passages()} passages · up to date"
    return summary


def short_model_name(name: str) -> str:
    from rag.config import bundled_model_path

    if name == bundled_model_path():
        return "all-MiniLM-L6-v2 (bundled)"
    return name.rstrip("/").rsplit("/", 1)[-1]
