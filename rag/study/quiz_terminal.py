"""The quiz in a terminal: ask each item, read the reply, grade it, show the source, record it."""

from __future__ import annotations

from rag.study.grading import Grade
from rag.study.quiz_grading import grade_item, parse_choice
from rag.study.quiz_items import Quiz, QuizItem

MAX_EMPTY_REPLIES = 5  # empty replies in a row that stop the terminal quiz


def run_interactive(kb, quiz: Quiz, llm=None, progress=None, read=input, write=print) -> list[Grade]:
    """Ask each item, read the reply, grade it, show the source and record the attempt."""
    from rag.study.progress import open_progress

    if progress is None:
        progress = open_progress(kb.settings)
    if progress.problem:
        write(f"note: {progress.problem}")
    if quiz.notice:
        write(f"note: {quiz.notice}")
    write(f"Quiz: {quiz.topic} ({len(quiz.items)} items). Type 'q' to stop.")
    grades: list[Grade] = []
    for number, item in enumerate(quiz.items, start=1):
        write("")
        write(f"[{number}/{len(quiz.items)}] {item.prompt}")
        for i, choice in enumerate(item.choices or []):
            write(f"  {chr(ord('a') + i)}) {choice}")
        reply = _read_reply(item, read, write)
        if reply is None:
            break
        grade = grade_item(kb, item, reply, llm=llm)
        grades.append(grade)
        text = grade.to_text()
        write(text)
        if item.source_id not in text:
            write(f"source: {item.source_label} ({item.source_id})")
        entry = kb.retriever.entry(item.source_id)
        if entry is not None and entry.origins:
            write("origin: " + "; ".join(o.title or o.name for o in entry.origins))
        problem_before = progress.problem
        progress.record(item, grade)
        if progress.problem and progress.problem != problem_before:
            write(f"note: {progress.problem}")
    if grades:
        mean = sum(g.score for g in grades) / len(grades)
        write("")
        write(f"Done: {len(grades)} answered, mean score {mean:.2f}.")
    return grades


def _read_reply(item: QuizItem, read, write):
    """The reply (an index for an mcq); None to stop (q, quit or end of input).

    An empty reply (Enter by mistake) is asked again, never graded; after MAX_EMPTY_REPLIES
    in a row the quiz stops, so a closed input cannot loop forever.
    """
    unreadable = empty = 0
    while unreadable < 3:
        try:
            text = read("> " if item.kind == "open" else "choice> ")
        except EOFError:
            return None
        if not text.strip():
            empty += 1
            if empty >= MAX_EMPTY_REPLIES:
                return None
            write("  (no answer yet: type your answer, or q to stop)")
            continue
        if text.strip().lower() in {"q", "quit", "exit"}:
            return None
        if item.kind == "open":
            return text
        choice = parse_choice(item, text)
        if choice is not None:
            return choice
        unreadable += 1
        write(f"  type a letter a-{chr(ord('a') + len(item.choices or []) - 1)} (or q to stop)")
    return -1  # three unreadable replies: counted as no choice


# ----------------------------------------------------------------------------- helpers
