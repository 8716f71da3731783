"""MLOps Interview Tutor: the Streamlit entry (page frame, sidebar, navigation).

Run it with `make run` (or `streamlit run app.py`). The pages live in `ui/`, one module
each; everything they show comes from `rag`. Heavy objects (model, store, retriever, LLM
client) are built once per server (`ui.resources`); conversations and quiz rounds live in
the session (`ui.state`), so they survive reruns.

Adding a page: write `ui/<name>.py` with `PAGE = Page(title, render)` (the title in `ui/navigation.py`,
so other pages can link to it) and list it in PAGES.
"""

from __future__ import annotations

import streamlit as st

from ui import chat, interview, progress, quiz, sources, state
from ui.components import failure_text, guarded
from ui.index import ensure_index
from ui.resources import AppContext, app_settings, kb_for, llm_for, warm_up
from ui.sidebar import sidebar

PAGES = (chat.PAGE, quiz.PAGE, interview.PAGE, sources.PAGE, progress.PAGE)  # the tabs, in order

st.set_page_config(page_title="MLOps Interview Tutor", page_icon=":material/school:", layout="centered")


def main() -> None:
    try:
        settings = app_settings()
    except Exception as exc:
        st.error(f"The settings are not valid: {failure_text(exc, 'reading the settings')}", icon=":material/settings:")
        st.stop()
    kb = kb_for(settings)
    llm = None
    try:
        llm = llm_for(settings)
    except Exception as exc:
        reason = failure_text(exc, "setting up the LLM")
        st.warning(f"The LLM is not usable, answering offline: {reason}", icon=":material/cloud_off:")
    try:
        ensure_index(kb, wait=False)
    except Exception as exc:
        st.error(f"The index could not be built: {failure_text(exc, 'indexing')}", icon=":material/error:")
        st.stop()
    app = AppContext(settings, kb, llm)
    tabs = st.tabs([page.title for page in PAGES], key=state.PAGE, on_change="rerun")
    for page, tab in zip(PAGES, tabs):
        if tab.open:
            guarded(page, app, tab)
    sidebar(app)
    warm_up(settings.embedding_model, kb.embedder)


main()
