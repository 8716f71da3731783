"""Claims about the order of an entry's steps: "data preparation comes after deployment".

Some answers are a sequence (the lifecycle's stages, the steps of bringing a new model into a
pipeline). A fluent wrong reply often keeps every step's vocabulary and puts them in another
order ("the lifecycle starts with training", "deploy to production first and evaluate offline
afterwards"); meaning-by-embedding cannot see that, since both orders read alike. The study
bank lists such an entry's steps in order (`sequence`), each with the words a reply names it by.

A sentence is read for order cues between the steps it names:
* "A comes after B", "A before B", "A, then B", "After B, A", "Once B ..., A";
* "First, A ...", "we first A", "A first", "starts with A", "the first step is A": A opens the
  sequence ("the first time", "at first" are not about the steps);
* "A is the last step", "ends with A", "A at the (very) end": A closes it;
* a sentence opening with "Then", "Next", "After that" puts its first step after the first
  step of the sentence before.
A claim is wrong when it is wrong for every step its words may name ("validation" names both
the data and the model validation of a pipeline, and either comes before deployment). "First"
allows the first two steps and "last" the last two: an answer may begin its walk-through at
the data or end it at monitoring. A sentence with a negation is left to the negation check: "never
deploy before you evaluate" states the right order by denying the wrong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.study.claim_cues import NEGATION
from rag.text import stem

FIRST_SLACK = 2  # "starts with A" is wrong when A is not among the first this many steps ...
LAST_SLACK = 2  # ... "A is the last step" when A is not among the last this many
MIN_STEPS_FOR_ENDS = 4  # a sequence this long has a first and a last step worth claiming
FIRST_REACH = 3  # "deploy it to production first": the step named at most this many words before "first"
NEAR_WORDS = 8  # "first" and "last" name a step this many words away at most, within the clause

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’/-]*|[,;:()]")
_CLAUSE_MARK = {",", ";", ":", "(", ")"}
# words that name a stage of any sequence, never one step ("the final stage", "staging" stems alike)
_NOT_A_NAME = {"stage", "stages", "step", "steps", "phase", "phases"}
_AFTER = {"after", "afterwards", "afterward", "later", "once"}
_OPENERS = {"only", "and", "but", "so", "then", ",", ";"}  # "..., and after training, ..."
_SPEAKERS = {"i", "you", "we", "i'd", "you'd", "we'd", "would", "should", "must"}
# "after that", "once it's live": the cue refers back to what was said, it names no step
_BACK_REFERENCE = {"that", "this", "which", "it", "those", "these", "all", "everything", "anything"}
_BACK_REFERENCE |= {f"{word}{verb}" for word in ("that", "it", "this", "everything") for verb in ("'s", "’s")}
_OPENS_AFTER = re.compile(
    r"\s*(?:and\s+)?(?:then|next|after\s+that|only\s+after\s+that|afterwards|after\s+this|once\s+that(?:'s|\s+is)?\s+done)\b",
    re.IGNORECASE,
)
_HEADING = re.compile(r"\s*(?:\w+[ /&-]*){1,4}:")  # "Validation safeguards: ..." opens with a step's name
_STARTS = re.compile(r"\b(?:starts?|starting|begins?|beginning|kicks?\s+off|opens?)\s+with\b", re.IGNORECASE)
_FIRST_STEP = re.compile(r"\b(?:the\s+)?first\s+(?:step|stage|phase|thing)\b", re.IGNORECASE)
_ENDS = re.compile(
    r"\b(?:ends?\s+with|at\s+the\s+(?:very\s+)?end|(?:the\s+)?(?:last|final)\s+(?:step|stage|phase|thing)|"
    r"(?:comes?|happens?|goes|is\s+done|runs?)\s+last)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Step:
    """One step of an entry's sequence: its point's label and the words (or phrases) that name it."""

    label: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class OrderClaim:
    """A sentence that puts the steps in another order: the step it misplaces, and what the source says."""

    sentence: str
    label: str
    correction: str


def _stems(words: list[str]) -> list[str]:
    return [stem(w) for w in words]


def out_of_order(sentences: list[str], steps: list[Step]) -> list[OrderClaim]:
    """The sentences of a reply (in order) that contradict the order of `steps`."""
    if len(steps) < 2:
        return []
    names = [[_stems(name.split()) for name in step.names] for step in steps]
    claims = []
    previous_first: set[int] = set()
    for sentence in sentences:
        tokens = _TOKEN.findall(sentence)
        mentions = _mentions(tokens, names)
        wrong = None if NEGATION.search(sentence) else _wrong_claim(sentence, tokens, mentions, previous_first, steps)
        if wrong:
            claims.append(OrderClaim(sentence, steps[wrong[0]].label, wrong[1]))
        # "Then ..." follows the sentence before only when that one names one step (not an anecdote of several)
        previous_first = mentions[0][1] if mentions and all(m[1] == mentions[0][1] for m in mentions) else set()
    return claims


def _mentions(tokens: list[str], names: list[list[list[str]]]) -> list[tuple[int, set[int]]]:
    """(token position, the steps the words there may name), in order; a phrase name is matched whole."""
    stems = _stems(tokens)
    found = []
    for t in range(len(tokens)):
        if tokens[t].lower() in _NOT_A_NAME or tokens[t] in _CLAUSE_MARK:
            continue
        steps = {i for i, step_names in enumerate(names) for name in step_names if stems[t : t + len(name)] == name}
        if steps:
            found.append((t, steps))
    return found


def _wrong_claim(sentence, tokens, mentions, previous_first, steps) -> tuple[int, str] | None:
    """(the misplaced step, the correction) for the first order cue of the sentence the steps contradict."""
    if not mentions:
        return None
    n = len(steps)
    lower = [t.lower() for t in tokens]
    if previous_first and _OPENS_AFTER.match(sentence):
        later = mentions[0][1]
        if _all_wrong(later, previous_first, lambda a, b: a < b):
            return _pair(steps, later, previous_first)
    for t, word in enumerate(lower):
        if word in _AFTER or word == "before":
            if t + 1 < len(lower) and lower[t + 1] in _BACK_REFERENCE:
                continue
            before_cue = [m for m in mentions if m[0] < t and _same_clause(tokens, m[0], t)]
            after_cue = [m for m in mentions if m[0] > t]
            if not after_cue or not _same_clause(tokens, t, after_cue[0][0]):
                continue  # "monitor it once it's live, and eventually retrain": the cue's own clause names no step
            if before_cue:  # "A comes after B", "A before B"
                a, b = before_cue[-1][1], after_cue[0][1]
            elif t == 0 or lower[t - 1] in _OPENERS:  # "After B, A": B runs to the clause's end, A follows
                b = after_cue[0][1]
                rest = [m for m in after_cue if not _same_clause(tokens, after_cue[0][0], m[0])]
                if not rest:
                    continue
                a = rest[0][1]
            else:
                continue
            is_after = word in _AFTER
            if is_after and _all_wrong(a, b, lambda x, y: x < y):
                return _pair(steps, a, b)
            if not is_after and _all_wrong(a, b, lambda x, y: x > y):
                return _pair(steps, b, a)
        if word == "then" and 0 < t:
            before_cue = [m for m in mentions if m[0] < t]
            after_cue = [m for m in mentions if m[0] > t]
            if before_cue and after_cue and _all_wrong(before_cue[-1][1], after_cue[0][1], lambda x, y: x > y):
                return _pair(steps, after_cue[0][1], before_cue[-1][1])
    if n < MIN_STEPS_FOR_ENDS:
        return None
    for cue, is_first in ((_STARTS, True), (_FIRST_STEP, True), (_ENDS, False)):
        match = cue.search(sentence)
        if match:
            at = len(_TOKEN.findall(sentence[: match.start()]))
            named = _nearest(tokens, mentions, at, after_only=cue is _STARTS)
            if named is not None:
                return _misplaced_end(steps, named, is_first)
    for t, word in enumerate(lower):
        if word != "first":
            continue
        if _HEADING.match(sentence):  # "Validation: shadow mode first, ...": the order within one step
            break
        if t == 0:  # "First, you train the model": the step after it, past the comma
            named = _nearest(tokens, mentions, t + 1 if t + 1 < len(tokens) and tokens[t + 1] == "," else t, True)
        elif lower[t - 1] in _SPEAKERS:  # "we first deploy it"
            named = _nearest(tokens, mentions, t, after_only=True)
        else:  # "deploy it to production first"; not "the first time", "at first"
            named = next(
                (m for p, m in reversed(mentions) if t - FIRST_REACH <= p < t and _same_clause(tokens, p, t)), None
            )
        if named is not None:  # a bare "first" may mean "before going live": wrong only in the later half
            return _misplaced_end(steps, named, True, slack=max(FIRST_SLACK, (len(steps) + 1) // 2))
    return None


def _nearest(tokens, mentions, at: int, after_only: bool) -> set[int] | None:
    options = [
        (abs(t - at), steps)
        for t, steps in mentions
        if abs(t - at) <= NEAR_WORDS and _same_clause(tokens, t, at) and (t > at or not after_only)
    ]
    return min(options, key=lambda o: o[0])[1] if options else None


def _same_clause(tokens: list[str], i: int, j: int) -> bool:
    low, high = sorted((i, j))
    return not any(tok in _CLAUSE_MARK for tok in tokens[low + 1 : high])


def _all_wrong(a: set[int], b: set[int], wrong) -> bool:
    """Whether the relation between a and b is wrong for every step each may name (and they differ)."""
    return all(wrong(x, y) for x in a for y in b) and not a & b


def _pair(steps: list[Step], later: set[int], earlier: set[int]) -> tuple[int, str]:
    """The reply puts `later` after `earlier`; the source has it the other way round."""
    a, b = min(later), max(earlier)
    return a, f"The source puts {steps[a].label} before {steps[b].label}."


def _misplaced_end(steps: list[Step], named: set[int], is_first: bool, slack: int = FIRST_SLACK):
    """(the step, the correction) when a step said to open (close) the sequence is not among its first (last)."""
    n = len(steps)
    if is_first and min(named) >= slack:
        i = min(named)
        return i, f"{steps[i].label} is not where it starts: the source's steps begin with {steps[0].label}."
    if not is_first and max(named) < n - LAST_SLACK:
        i = max(named)
        return i, f"{steps[i].label} is not the last step: the source's steps end with {steps[-1].label}."
    return None
