"""Quizzes from the sources: concept questions and open items, each tied to the entry it tests.

Items ask what an interviewer asks, and every key is a sentence of its entry (`quote`).
`make_quiz` resolves the topic, plans offline items (`rag.study.offline_items`: bank,
concept, excerpt, question, point) and, with an LLM, lets `rag.study.llm_items` replace
generated ones by checked LLM-written items. What an item is and the give-away check live
in `rag.study.quiz_items`; grading a reply in `rag.study.quiz_grading`; the terminal loop
in `rag.study.quiz_terminal`. Offline quizzes are reproducible with a seed.
"""

from __future__ import annotations

import random

from rag.errors import InvalidRequest
from rag.study.llm_items import LLMItemWriter
from rag.study.offline_items import ItemBuilder
from rag.study.quiz_items import Quiz
from rag.study.topics import TopicNotCovered, resolve_topic


def make_quiz(
    kb, topic: str, n: int = 5, seed: int | None = None, llm=None, progress=None, bank=None, difficulty=None
) -> Quiz:
    """A quiz of up to `n` items on `topic`; the same seed (offline) gives the same quiz.

    `progress` (a ProgressStore) is read for "weak spots"; by default the settings' file.
    `bank` (a StudyBank) gives the curated items; by default the knowledge base's own.
    `difficulty` (recall / apply / compare) puts bank items of that difficulty first.
    """
    if n < 1:
        raise InvalidRequest(f"a quiz needs at least one item (got n={n})")
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    resolved = resolve_topic(kb, topic, progress=progress, limit=max(n, 10))
    if not resolved.entries:
        raise TopicNotCovered(f"no questions for the topic {resolved.name!r}")
    builder = ItemBuilder(kb, seed, bank=kb.study_bank if bank is None else bank, difficulty=difficulty)
    items = builder.plan(resolved, n)
    quiz = Quiz(topic=resolved.name, items=items, topic_kind=resolved.kind, seed=seed)
    if resolved.notice:
        quiz.notices.append(resolved.notice)
    if len(items) < n:
        quiz.notices.append(f"only {len(items)} distinct items could be made for this topic")
    if llm is not None and items:
        LLMItemWriter(kb, llm, random.Random(seed)).improve(quiz)
    return quiz
