"""The glossary as a retrieval signal: expand the terms a question names, and point at their entries.

A learner writes "PSI vs KS" or "what's IaC"; neither the embedding model nor BM25 knows
those letters stand for "Population Stability Index" or "Infrastructure as Code". The
study bank's glossary (curated terms, expansions, aliases and the entries that explain
each term) replaces the hand-written shorthand table the retriever had: a query that
names a term gets the term and its expansion appended, and the entries that explain it a
prior. Names are matched whole-word, longest first, without overlaps ("AUC-ROC" is one
term, not "AUC" plus "ROC"). A name that is an everyday word of the corpus (it occurs in
more than `COMMON_SHARE` of the entries, e.g. "control", "registry") still expands but
gives no prior: it says little about which entry is meant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.study_bank import GlossaryTerm

COMMON_SHARE = 0.25


@dataclass(frozen=True)
class GlossaryMatch:
    expanded: str  # the query with the named terms' expansions appended
    prior: np.ndarray  # per entry, 0..1: how strongly a named term points at it
    terms: tuple[str, ...]  # the terms found, as the glossary writes them


class Glossary:
    def __init__(self, terms: list[GlossaryTerm], entry_ids: list[str], entry_texts: list[str] | None = None):
        self.terms = list(terms)
        self._row = {sid: i for i, sid in enumerate(entry_ids)}
        self._n = len(entry_ids)
        lowered = [t.lower() for t in entry_texts or []]
        names: list[tuple[str, int]] = []
        for index, term in enumerate(self.terms):
            for name in term.names:
                if name.strip():
                    names.append((name.strip(), index))
        names.sort(key=lambda pair: -len(pair[0]))
        self._names = [(re.compile(rf"(?<!\w){re.escape(n)}(?!\w)", re.IGNORECASE), n, i) for n, i in names]
        self._common = {n.lower() for n, _ in names if lowered and _share(n, lowered) > COMMON_SHARE}

    def match(self, query: str) -> GlossaryMatch:
        prior = np.zeros(self._n, dtype=np.float32)
        taken: list[tuple[int, int]] = []
        found: dict[int, bool] = {}  # term index -> named by a specific (not everyday) name
        for pattern, name, index in self._names:
            for m in pattern.finditer(query):
                if any(m.start() < end and start < m.end() for start, end in taken):
                    continue
                taken.append((m.start(), m.end()))
                found[index] = found.get(index, False) or name.lower() not in self._common
        additions: list[str] = []
        lowered = query.lower()
        for index, specific in found.items():
            term = self.terms[index]
            for text in (term.term, term.expansion):
                if text.lower() not in lowered and text not in additions:
                    additions.append(text)
            if specific:
                for position, sid in enumerate(term.entries):
                    row = self._row.get(sid)
                    if row is not None:
                        prior[row] = max(prior[row], 1.0 / (1 + position))
        expanded = f"{query} ({'; '.join(additions)})" if additions else query
        return GlossaryMatch(expanded, prior, tuple(self.terms[i].term for i in found))


def _share(name: str, lowered_texts: list[str]) -> float:
    pattern = re.compile(rf"(?<!\w){re.escape(name.lower())}(?!\w)")
    return sum(1 for text in lowered_texts if pattern.search(text)) / len(lowered_texts)
