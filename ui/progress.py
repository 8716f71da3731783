"""The progress page: mastery of what was practised, per section, what is due, recent attempts."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from rag.rendering import safe_markdown
from ui import state
from ui.components import entry_expander, plural
from ui.index import ensure_index
from ui.navigation import PROGRESS, QUIZ, Page, go_to
from ui.resources import AppContext, progress_for

DUE_SHOWN = 8
RECENT_SHOWN = 10


def render(app: AppContext, tab) -> None:
    with tab:
        ensure_index(app.kb)
        st.markdown("### Your progress")
        store = progress_for(app.settings)
        entries = app.kb.corpus.entries
        report = store.report(entries)
        if report.notice:
            st.warning(safe_markdown(report.notice), icon=":material/warning:")
        if not report.attempts:
            st.info("No attempts yet: take a quiz and your mastery per section shows here.", icon=":material/quiz:")
            st.button("Take a quiz", type="primary", icon=":material/play_arrow:", on_click=go_to, args=(QUIZ,))
            return
        practised = [p for p in store.entry_progress(entries) if p.seen]
        a, b, c = st.columns(3)
        a.metric(
            "Mastery of practised entries",
            f"{sum(p.mastery for p in practised) / max(len(practised), 1):.0%}",
            help="The mean of your recent scores on the entries you have answered at least once.",
        )
        b.metric("Entries practised", f"{len(practised)} of {len(entries)}")
        c.metric("Due for review", str(len(report.due)))
        st.caption(
            f"Across the whole guide ({plural(len(entries), 'entry', 'entries')}): {report.mastery:.0%} mastered."
        )
        st.markdown("#### Mastery per section")
        st.altair_chart(mastery_chart(report.sections), width="stretch")
        due(report)
        recent_attempts(store, entries)


def due(report) -> None:
    head, practise = st.columns([3, 1], vertical_alignment="center")
    head.markdown("#### Due for review")
    if report.due:
        practise.button(
            "Practise these",
            icon=":material/play_arrow:",
            type="primary",
            on_click=go_to,
            args=(QUIZ,),
            kwargs={"quiz": None, state.QUIZ_KIND: "Weak spots"},
            width="stretch",
        )
    else:
        st.caption("Nothing due: well done.")
    for progress in report.due[:DUE_SHOWN]:
        entry_expander(progress.entry, note=f"mastery {progress.mastery:.0%}")


def recent_attempts(store, entries) -> None:
    """A table, not a data grid: a grid cuts long titles at its column width, a table wraps them."""
    st.markdown("#### Recent attempts")
    import pandas as pd

    labels = {e.source_id: e.label for e in entries}
    recent = store.recent(limit=RECENT_SHOWN)
    st.table(
        pd.DataFrame(
            {
                "When": [datetime.fromtimestamp(a.answered_at).strftime("%d %b, %H:%M") for a in recent],
                "Question": [labels.get(a.source_id, a.source_id) for a in recent],
                "Kind": ["choice" if a.kind == "mcq" else "open" for a in recent],
                "Score": [f"{a.score:.0%}" for a in recent],
            }
        ).set_index("When")
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


PAGE = Page(PROGRESS, render)
