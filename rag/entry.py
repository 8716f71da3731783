"""What the corpus is made of: an `Entry` (one question and its answer) and where it came from.

An entry keeps its answer's Markdown list structure (`items`, parsed once by
`rag.markdown_lists`) so the rubric, the offline composer and the grader never re-read
Markdown lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.markdown_lists import ListItem, list_items


@dataclass(frozen=True)
class Origin:
    """Where an answer came from, as the References list names it."""

    name: str
    title: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Entry:
    source_id: str
    question_number: int | None
    title: str
    section: str
    big_tech: bool
    answer: str
    key_points: tuple[str, ...] = ()
    key_point_texts: tuple[str, ...] = ()
    origins: tuple[Origin, ...] = ()
    path: str = ""
    items: tuple[ListItem, ...] | None = None  # None: parsed from `answer` (a hand-built Entry)
    curated: bool = True  # False: a user's note (no question number, no badge, labelled as a note)

    def __post_init__(self) -> None:
        if self.items is None:
            object.__setattr__(self, "items", list_items(self.answer))

    @property
    def label(self) -> str:
        """How the UI and the CLI name an entry: 'Q8 · title', the title, or 'Note · title' for a user's note."""
        if self.question_number:
            return f"Q{self.question_number} · {self.title}"
        return self.title if self.curated else f"Note · {self.title}"
