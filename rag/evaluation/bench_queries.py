"""The benchmark's queries: the shapes learners type, drawn from the corpus itself."""

from __future__ import annotations

import random

from rag.corpus import Entry


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def make_queries(entries: list[Entry], n: int, seed: int = 7) -> list[str]:
    """`n` distinct queries of the shapes learners type, drawn from the corpus itself.

    Whole questions, lower-cased questions, terse keyword queries, key points asked as
    questions, a typo in a long word, and two topics in one question.
    """
    rng = random.Random(seed)
    pool: list[str] = []
    for e in entries:
        words = [w.strip("?,.:()") for w in e.title.split()]
        long_words = [w for w in words if len(w) > 4]
        pool.append(e.title)
        pool.append(e.title.lower().rstrip("?"))
        if long_words:
            pool.append(" ".join(long_words[:3]).lower())
            typo_at = rng.randrange(len(long_words))
            pool.append(" ".join(_typo(w, rng) if i == typo_at else w for i, w in enumerate(long_words)).lower())
        for point in e.key_points:
            pool.append(f"what is {point.lower()} in {e.section.lower()}?")
            pool.append(point)
    rng.shuffle(pool)
    titles = [e.title.rstrip("?") for e in entries] or ["what is mlops"]
    for a in titles:  # two topics in one question, until there are enough
        for b in titles:
            if len(set(pool)) >= n:
                break
            if a != b:
                pool.append(f"{a} and {b.lower()}?")
    unique = list(dict.fromkeys(q for q in pool if q.strip()))
    while len(unique) < n:  # a corpus of one or two entries: numbered variants
        unique.append(f"{titles[len(unique) % len(titles)]} (part {len(unique)})")
    return unique[:n]
