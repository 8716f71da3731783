"""The corpus word closest to a typo: what `difflib.get_close_matches` picks, without its cost.

difflib compares a word with every vocabulary word in Python (tens of microseconds each),
which made typo correction most of the search time: ~10 ms per unknown query word on the
real corpus, ~100 ms with a vocabulary of tens of thousands of words. difflib accepts a
candidate only when three ratios reach the cutoff, and the first two are upper bounds it
computes from the lengths and the character counts alone. Those two bounds are computed
here for the whole vocabulary at once with numpy (other characters than [a-z0-9_] are
pooled, which keeps it an upper bound), and difflib runs only on the few words that pass,
so the answer is exactly the one difflib gives over the whole vocabulary.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789_"
_COLUMNS = len(_ALPHABET) + 1  # the last column counts every other character
_COLUMN_OF = np.full(128, len(_ALPHABET), dtype=np.int64)
_COLUMN_OF[[ord(c) for c in _ALPHABET]] = np.arange(len(_ALPHABET))
_SLACK = 1e-9  # the pre-filter is never stricter than difflib's own float comparison


class Vocabulary:
    def __init__(self, words: Iterable[str], cache_size: int = 4096):
        self.words = sorted(set(words))
        self._lengths = np.fromiter(map(len, self.words), dtype=np.int64, count=len(self.words))
        self._counts = _character_counts(self.words, self._lengths)
        self.closest = lru_cache(maxsize=cache_size)(self._closest)

    def __len__(self) -> int:
        return len(self.words)

    def _closest(self, word: str, cutoff: float = 0.8) -> str | None:
        """The best vocabulary word with a difflib ratio >= cutoff, or None."""
        if not self.words:
            return None
        total = self._lengths + len(word)
        # difflib's real_quick_ratio: 2 * min(len a, len b) / (len a + len b)
        rows = np.flatnonzero(2.0 * np.minimum(self._lengths, len(word)) / total >= cutoff - _SLACK)
        if len(rows):
            # difflib's quick_ratio: 2 * (characters in common, as multisets) / total length
            wanted = _character_counts([word], np.array([len(word)]))[0]
            common = np.minimum(self._counts[rows], wanted).sum(axis=1, dtype=np.int64)
            rows = rows[2.0 * common / total[rows] >= cutoff - _SLACK]
        found = difflib.get_close_matches(word, [self.words[i] for i in rows], n=1, cutoff=cutoff)
        return found[0] if found else None


def _character_counts(words: list[str], lengths: np.ndarray) -> np.ndarray:
    """(words, columns) counts of each [a-z0-9_] character and of all other characters."""
    if not words:
        return np.zeros((0, _COLUMNS), dtype=np.uint16)
    codes = np.frombuffer("".join(words).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    columns = np.where(codes < 128, _COLUMN_OF[np.minimum(codes, 127)], len(_ALPHABET))
    rows = np.repeat(np.arange(len(words), dtype=np.int64), lengths)
    counts = np.bincount(rows * _COLUMNS + columns, minlength=len(words) * _COLUMNS)
    return np.minimum(counts, np.iinfo(np.uint16).max).astype(np.uint16).reshape(len(words), _COLUMNS)
