"""Grading a quiz item's reply: an mcq by the chosen choice, an open item by the grader."""

from __future__ import annotations

from rag.errors import InvalidRequest
from rag.study.grading import Grade, grade_reply
from rag.study.quiz_items import QuizItem, norm


def grade_choice(item: QuizItem, choice_index: int | None) -> Grade:
    """Right or wrong, with what the source says."""
    if item.kind != "mcq" or not item.choices or item.answer is None:
        raise ValueError(f"item {item.id!r} is not a multiple-choice item")
    right = item.choices[item.answer]
    source = f"Source: {item.source_label} ({item.source_id})."
    valid = choice_index is not None and 0 <= choice_index < len(item.choices)
    if valid and choice_index == item.answer:
        return Grade(1.0, [right], [], f"Right. {item.explanation} {source}".strip(), item.source_id, kind="mcq")
    picked = f'You chose "{item.choices[choice_index]}"; ' if valid else "No choice given; "
    feedback = f'{picked}the right answer is "{right}". {item.explanation} {source}'
    return Grade(0.0, [], [right], feedback, item.source_id, kind="mcq")


def grade_item(kb, item: QuizItem, reply, llm=None) -> Grade:
    """Grade any item: an mcq by the chosen index, an open item by its text (and focus)."""
    if item.kind == "mcq":
        return grade_choice(item, reply if isinstance(reply, int) else parse_choice(item, str(reply or "")))
    entry = kb.retriever.entry(item.source_id)
    if entry is None:
        raise InvalidRequest(f"the source {item.source_id!r} of this item is no longer in the corpus; start a new quiz")
    return grade_reply(kb, entry, str(reply or ""), llm=llm, focus=item.focus)


def parse_choice(item: QuizItem, reply: str) -> int | None:
    """'2', 'b', 'B)' or the text of a choice -> its index; None when it is none of them."""
    text = reply.strip().lower().rstrip(").:")
    if text.isdigit() and 1 <= int(text) <= len(item.choices or []):
        return int(text) - 1
    if len(text) == 1 and "a" <= text <= chr(ord("a") + len(item.choices or []) - 1):
        return ord(text) - ord("a")
    for i, choice in enumerate(item.choices or []):
        if norm(choice) == norm(reply):
            return i
    return None


# ----------------------------------------------------------------------- in a terminal
