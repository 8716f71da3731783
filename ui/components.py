"""Pieces every page draws the same way: entry cards, entry expanders, failure messages."""

from __future__ import annotations

import logging

import streamlit as st

from rag.errors import log_unexpected, user_message
from rag.rendering import entry_heading, origins_markdown, safe_markdown
from ui.navigation import SOURCES, go_to

log = logging.getLogger("rag.app")

GENERIC_FAILURE = "an unexpected error stopped this page; it is logged on the server"


def failure_text(error: BaseException, doing: str) -> str:
    """The one line to show for a failure: the error's own message when it is written for the
    user, a generic line otherwise (its traceback goes to the log at debug level)."""
    message = user_message(error)
    if message is None:
        log_unexpected(log, error, doing)
        return GENERIC_FAILURE
    log.info("%s: %s", doing, message)
    return message


def guarded(page, app, tab) -> None:
    """Run a page; any failure becomes a one-line message in its tab, never a traceback."""
    try:
        page.render(app, tab)
    except Exception as exc:
        with tab:
            st.error(f"Something went wrong: {failure_text(exc, 'the page')}", icon=":material/error:")


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


def entry_expander(entry, note: str | None = None) -> None:
    label = entry_heading(entry) + (" :violet-badge[Big Tech]" if entry.big_tech else "")
    with st.expander(label):
        caption = f":gray-badge[{safe_markdown(entry.section)}]"
        if note:
            caption += f" :small[{note}]"
        st.markdown(caption)
        entry_body(entry)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """'1 question', '3 questions'; `nouns` for an irregular plural ('entries')."""
    return f"{count} {noun}" if count == 1 else f"{count} {nouns or noun + 's'}"


def topic_missing(topic: str | None) -> bool:
    """Warn and say so when a quiz or interview start form has no topic (the form stays as it is)."""
    if (topic or "").strip():
        return False
    st.warning("Type a topic first, or pick a section.", icon=":material/edit:")
    return True
