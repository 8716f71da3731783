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

_MARKER = re.compile(
    r"\[\s*(?:sources?\s*:?\s*)?([1-9]\d{0,2}(?:\s*[,;]\s*(?:sources?\s*:?\s*)?[1-9]\d{0,2})*)\s*\](?!\()",
    re.IGNORECASE,
)
_POSSIBLE_MARKER = re.compile(r"\[\s*(?:s(?:o(?:u(?:r(?:c(?:e(?:s)?)?)?)?)?)?\s*:?\s*)?[\d,;\s]*$", re.IGNORECASE)
_FOLLOW_UP_HEADING = re.compile(
    r"\n[ \t]*(?:<<\s*FOLLOW[_ -]?UPS?\s*>>|[#*_ ]*(?:suggested\s+)?follow[- ]?ups?(?:\s+questions?)?[*_ ]*:[*_ ]*)[ \t]*(?:\n|$)",
    re.IGNORECASE,
)
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([.,;:!?])")
_DOUBLE_SPACE = re.compile(r"(?<=\S)[ \t]{2,}(?=\S)")
_LIST_PREFIX = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s*")
_MAX_HELD = 40


class MarkerFilter:
    """Feed text deltas, get back text safe to show; `cited` lists valid markers in order."""

    def __init__(self, valid: set[int] | range):
        self.valid = set(valid)
        self.cited: list[int] = []
        self.dropped: list[int] = []
        self._held = ""
        self._stopped = False
        self._tail = ""  # text after the follow-ups sentinel
        self.text = ""  # everything emitted so far

    @property
    def stopped(self) -> bool:
        return self._stopped

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
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        kept = []
        for n in numbers:
            if n in self.valid:
                kept.append(n)
                if n not in self.cited:
                    self.cited.append(n)
            else:
                self.dropped.append(n)
        return "".join(f"[{n}]" for n in kept)


def _unfinished_suffix(text: str) -> str:
    """The tail that may still become a marker or the sentinel once more text arrives."""
    bracket = text.rfind("[")
    if bracket >= 0 and len(text) - bracket <= _MAX_HELD and _POSSIBLE_MARKER.fullmatch(text[bracket:]):
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
    """An answer without a trailing 'Follow-ups:' block, and the questions in that block."""
    match = None
    for match in _FOLLOW_UP_HEADING.finditer(text):
        pass
    if match is None:
        return text, []
    return text[: match.start()].rstrip(), parse_follow_ups(text[match.end() :])


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
