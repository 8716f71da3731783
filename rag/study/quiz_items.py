"""What a quiz is made of: `QuizItem` and `Quiz`, the item kinds and styles, and the give-away check.

Every mcq passes the give-away check (`gives_key_away`): an item whose key is the only
choice sharing a content word with the stem is answered by word matching and is dropped,
bank items and LLM-written items included. The word helpers it uses (`norm`,
`distinctive_words`, `content_stems`) are shared by the offline builder and the LLM writer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.entry import Entry

N_CHOICES = 4
MCQ_STYLES = ("bank", "concept", "excerpt")  # in order of preference
OPEN_STYLES = ("question", "point")
STYLES = MCQ_STYLES + OPEN_STYLES
KIND_OF_STYLE = {
    "bank": "mcq",
    "concept": "mcq",
    "excerpt": "mcq",
    "question": "open",
    "point": "open",
    "llm-mcq": "mcq",
    "llm-open": "open",
}


@dataclass
class QuizItem:
    id: str
    kind: str  # "mcq" or "open"
    prompt: str
    source_id: str
    question_number: int | None
    section: str
    source_label: str
    choices: list[str] | None = None
    answer: int | None = None  # index of the right choice (mcq)
    explanation: str = ""  # what the source says, shown after an mcq reply
    focus: str | None = None  # the key point an open item asks about (graded against it alone)
    style: str = "question"
    origin: str = "offline"  # "offline", "bank" or "llm"
    quote: str = ""  # the source sentence that backs the key (mcq), found in `quote_source_id`'s entry
    quote_source_id: str = ""
    difficulty: str = "recall"  # recall | apply | compare

    def to_json(self) -> dict:
        doc = {"id": self.id, "kind": self.kind, "prompt": self.prompt}
        if self.kind == "mcq":
            doc["choices"] = list(self.choices or [])
            doc["answer"] = self.answer
        doc["source_id"] = self.source_id
        doc["question_number"] = self.question_number
        return doc


@dataclass
class Quiz:
    topic: str
    items: list[QuizItem]
    topic_kind: str = "section"
    seed: int | None = None
    notices: list[str] = field(default_factory=list)

    @property
    def notice(self) -> str | None:
        return "; ".join(self.notices) or None

    def to_json(self) -> dict:
        doc = {"topic": self.topic, "items": [item.to_json() for item in self.items]}
        if self.notice:
            doc["notice"] = self.notice
        return doc


_GENERIC_WORDS = set(
    "a an and are as at be by can do does for from how in is it its key main of on or role the to "
    "what when which why with you your ml mlops model models machine learning data management "
    "production process processes important use used using".split()
)


def gives_key_away(stem: str, choices: list[str], answer: int) -> bool:
    """Whether word matching alone finds the key: it is the only choice sharing a content word with the stem."""
    stem_words = content_stems(stem)
    sharing = [bool(content_stems(choice) & stem_words) for choice in choices]
    return sharing[answer] and sum(sharing) == 1


def content_stems(text: str) -> set[str]:
    """Content words cut to five letters, so "versions" meets "versioning" and "retrain" "retraining"."""
    return {word[:5] for word in distinctive_words(text)}


def distinctive_words(text: str) -> set[str]:
    """Content words that name a topic ("drift", "governance"), crudely singularised."""
    words = set()
    for word in norm(text).split():
        if word in _GENERIC_WORDS or len(word) < 3:
            continue
        words.add(word[:-1] if word.endswith("s") and len(word) > 4 else word)
    return words


def new_item(entry: Entry, style: str, variant: str, prompt: str) -> QuizItem:
    return QuizItem(
        id=f"{entry.source_id}/{style}/{variant}",
        kind=KIND_OF_STYLE[style],
        prompt=prompt,
        source_id=entry.source_id,
        question_number=entry.question_number,
        section=entry.section,
        source_label=entry.label,
        style=style,
    )


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).split())
