"""The sources page: browse the guide by section, search it, or read one entry a card opened."""

from __future__ import annotations

import streamlit as st

from rag.rendering import safe_markdown
from ui import state
from ui.components import entry_badges, entry_body, entry_expander, plural
from ui.index import ensure_index
from ui.navigation import SOURCES, Page, go_to
from ui.resources import AppContext

ALL_SECTIONS = "All sections"


def render(app: AppContext, tab) -> None:
    with tab:
        ensure_index(app.kb)
        retriever = app.kb.retriever
        st.markdown("### Browse the guide")
        focus = st.session_state.get(state.SOURCE_FOCUS)
        entry = retriever.entry(focus) if focus else None
        if entry is not None:
            focused(entry)
        query_col, section_col = st.columns([3, 2])
        query = query_col.text_input(
            "Search", key="source_query", placeholder="e.g. model rollback, drift, feature store"
        )
        section = section_col.selectbox("Section", [ALL_SECTIONS, *retriever.sections], key="source_section")
        big_tech = st.toggle("Only questions asked at Big Tech", key="source_big_tech")
        section = None if section == ALL_SECTIONS else section
        if query.strip():
            hits = retriever.search(query, k=app.settings.top_k, section=section, big_tech=big_tech or None)
            st.caption(f"{len(hits)} best matches for “{safe_markdown(query.strip())}”")
            for hit in hits:
                entry_expander(hit.entry, note=f"match {hit.score:.2f}")
            if not hits:
                st.info("Nothing matches: try other words or clear the filters.")
            return
        entries = [
            e
            for e in app.kb.corpus.entries
            if (section is None or e.section == section) and (not big_tech or e.big_tech)
        ]
        st.caption(plural(len(entries), "entry", "entries"))
        current = None
        for e in entries:
            if e.section != current:
                current = e.section
                st.markdown(f"#### {safe_markdown(current)}")
            entry_expander(e)


def focused(entry) -> None:
    """The entry a source card opened, on top, with a button to close it."""
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
            kwargs={state.SOURCE_FOCUS: None},
        )
        entry_body(entry)


PAGE = Page(SOURCES, render)
