"""The pages by title, and how a button moves the learner to another one.

A page is a title and a `render(app, tab)` function; `app.py` lists the pages in the order
of their tabs. Titles live here (not in the page modules) because pages link to each other:
a source card opens Sources, the quiz summary opens Progress.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from ui import state

CHAT = ":material/forum: Chat"
QUIZ = ":material/quiz: Quiz"
SOURCES = ":material/menu_book: Sources"
PROGRESS = ":material/insights: Progress"


@dataclass(frozen=True)
class Page:
    title: str
    render: Callable  # render(app: AppContext, tab) draws the page into its tab


def go_to(page: str, **values) -> None:
    """Switch page from a button callback (before the tabs are drawn on the next run);
    `values` set session state (widget keys included) for the page to open with."""
    st.session_state[state.PAGE] = page
    for key, value in values.items():
        st.session_state[key] = value
