"""Citation markers in a model's answer: keep the ones that stand for a retrieved source.

The prompt numbers the retrieved sources `[1]..[k]`; a model may still write `[42]`, or
`[1, 3]`, or `[Source 2]`. `MarkerFilter` rewrites the text *as it streams*, so an
invented marker never reaches the screen: it holds back a possible marker until its
closing bracket arrives, keeps `[n]` for every n that was retrieved, and drops the rest.
It also stops at the line that opens the model's follow-up suggestions, which belong in
`follow_ups`, not in the answer.
"""

from __future__ import annotations

import re

FOLLOW_UPS_SENTINEL = "<<FOLLOW_UPS>>"

# Anything dressed as a citation: `[1]`, `[01]`, `[0]`, `[999999]`, `[1, 3]`, `[1-3]`, `[Source 2]`,
# `【1】`, and `[1](http://...)` (a link that looks like one). Each becomes `[n]` for a retrieved n, or nothing.
_NUMBERS = r"\d{1,9}(?:\s*(?:[,;]|[-–])\s*(?:sources?\s*:?\s*)?\d{1,9})*"
_MARKER = re.compile(
    rf"[\[【]\s*(?:sources?\s*:?\s*)?({_NUMBERS})\s*[\]】](?:\([^()\s]*\))?",
    re.IGNORECASE,
)
_POSSIBLE_MARKER = re.compile(
    r"[\[【]\s*(?:s(?:o(?:u(?:r(?:c(?:e(?:s)?)?)?)?)?)?\s*:?\s*)?[\d,;\s\-–]*"
    rf"|[\[【]\s*(?:sources?\s*:?\s*)?{_NUMBERS}\s*[\]】](?:\([^()\s]*)?",
    re.IGNORECASE,
)
_FOLLOW_UP_LINE = re.compile(
    r"<<\s*FOLLOW[_ -]?UPS?\s*>>|[#*_ ]*(?:suggested\s+)?follow[- ]?ups?(?:\s+questions?)?[*_ ]*:[*_ ]*",
    re.IGNORECASE,
)
_RANGE = re.compile(r"(\d+)\s*[-–]\s*(\d+)|(\d+)")
_MAX_RANGE = 20
# Each run of blanks is tried once, from its start (the lookbehind): linear on any input.
_SPACE_BEFORE_PUNCT = re.compile(r"(?<![ \t])[ \t]+([.,;:!?])")
_DOUBLE_SPACE = re.compile(r"(?<=\S)[ \t]{2,}(?=\S)")
_LIST_PREFIX = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s*")
_MAX_HELD = 40
_MAX_HELD_LINK = 400  # a marker followed by the start of a `(url)`


class MarkerFilter:
    """Feed text deltas, get back text safe to show; `cited` lists valid markers in order."""

    def __init__(self, valid: set[int] | range):
        self.valid = set(valid)
        self.cited: list[int] = []
        self._held = ""
        self._stopped = False
        self._tail = ""  # text after the follow-ups sentinel
        self.text = ""  # everything emitted so far

    @property
    def after_sentinel(self) -> str:
        return self._tail

    def feed(self, delta: str) -> str:
        if self._stopped:
            self._tail += delta
            return ""
        self._held += delta
        out = self._drain(final=False)
        self.text += out
        return out

    def flush(self) -> str:
        if self._stopped:
            return ""
        out = self._drain(final=True)
        self.text += out
        return out

    def _drain(self, final: bool) -> str:
        text = self._held
        sentinel_at = text.find(FOLLOW_UPS_SENTINEL)
        if sentinel_at >= 0:
            self._tail = text[sentinel_at + len(FOLLOW_UPS_SENTINEL) :]
            self._stopped = True
            text = text[:sentinel_at]
            final = True
        keep = ""
        if not final:
            keep = _unfinished_suffix(text)
            text = text[: len(text) - len(keep)]
        self._held = keep
        return _MARKER.sub(self._replace, text)

    def _replace(self, match: re.Match) -> str:
        numbers = marker_numbers(match.group(1))
        kept = []
        for n in numbers:
            if n in self.valid:
                kept.append(n)
                if n not in self.cited:
                    self.cited.append(n)
        return "".join(f"[{n}]" for n in dict.fromkeys(kept))


def marker_numbers(text: str) -> list[int]:
    """'1, 3' -> [1, 3]; '1-3' -> [1, 2, 3] (a long range only its ends); '01' -> [1]."""
    numbers: list[int] = []
    for m in _RANGE.finditer(text):
        if m.group(3):
            numbers.append(int(m.group(3)))
            continue
        low, high = int(m.group(1)), int(m.group(2))
        if 0 <= high - low <= _MAX_RANGE:
            numbers.extend(range(low, high + 1))
        else:
            numbers.extend((low, high))
    return numbers


def _unfinished_suffix(text: str) -> str:
    """The tail that may still become a marker or the sentinel once more text arrives."""
    bracket = max(text.rfind("["), text.rfind("【"))
    if bracket >= 0 and len(text) - bracket <= _MAX_HELD_LINK and _POSSIBLE_MARKER.fullmatch(text[bracket:]):
        if len(text) - bracket <= _MAX_HELD or "(" in text[bracket:]:
            return text[bracket:]
    for size in range(min(len(FOLLOW_UPS_SENTINEL) - 1, len(text)), 0, -1):
        if FOLLOW_UPS_SENTINEL.startswith(text[-size:]):
            return text[-size:]
    return ""


def tidy(text: str) -> str:
    """Remove the gaps a dropped marker leaves ("drift [42]." -> "drift.")."""
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _DOUBLE_SPACE.sub(" ", text)
    return text.strip()


def split_follow_ups(text: str) -> tuple[str, list[str]]:
    """An answer without a trailing 'Follow-ups:' block, and the questions in that block.

    Line by line (each line matched alone, from its start), so no input makes it slow.
    """
    lines = text.split("\n")
    for i in range(len(lines) - 1, 0, -1):
        if _FOLLOW_UP_LINE.fullmatch(lines[i].strip()):
            return "\n".join(lines[:i]).rstrip(), parse_follow_ups("\n".join(lines[i + 1 :]))
    return text, []


def parse_follow_ups(block: str, limit: int = 3) -> list[str]:
    questions: list[str] = []
    for line in block.splitlines():
        line = _LIST_PREFIX.sub("", line).strip().strip("*_").strip()
        line = _MARKER.sub("", line).strip()
        if len(line) < 8 or len(line) > 200 or line in questions:
            continue
        questions.append(line)
        if len(questions) == limit:
            break
    return questions
