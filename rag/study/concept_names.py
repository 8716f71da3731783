"""How a reply names the concepts of an entry's points, to catch properties bound to the wrong one.

A point is named by its label's words less the field's generic ones ("Blue-Green
Deployment" -> blue-green), by an acronym its label gives in parentheses ("Continuous
Integration (CI) for ML" -> ci), or by a product name in its label, written in capitals or
camel case, or capitalised where the entry writes it inside a sentence, and never in lower
case by the entry ("AWS SageMaker" -> aws, sagemaker; "Google Vertex AI" -> google, vertex). A name
another point shares tells nothing apart and is dropped ("MLflow Models": every MLflow
component says "MLflow").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

SUBJECT_WORDS = 3  # a clause is about the concept named in its first words
BIND_GAP = 3  # "SageMaker is IBM's product": at most this many words between two names bound by a copula
# words that may stand between a name and the "for" of its job: "Prometheus is mainly used for ..."
_PURPOSE_GLUE = {"is", "are", "was", "were", "used", "meant", "designed", "built", "mainly", "mostly", "only", "just"}

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")
_ACRONYM = re.compile(r"\(([A-Za-z][A-Za-z0-9/&-]{1,9})\)")
_CAMEL_OR_CAPS = re.compile(r"[A-Za-z]+[A-Z][A-Za-z0-9]*|[A-Z][A-Z0-9]+")  # SageMaker, MLflow, AWS, IBM
# capitalised inside a sentence or after a bracket, as a name is ("on Google Cloud", "(Kafka Streams"), not only
# opening one
_PROPER_NOUN = re.compile(r"(?:(?<=[a-z0-9,] )|(?<=\())[A-Z][a-z][A-Za-z0-9-]*")
_COPULA = re.compile(r"\b(?:is|are|was|were|means|equals|refers to|=)\b|'s\b", re.IGNORECASE)
_NOT_A_BINDING = re.compile(r"\b(?:than|like|unlike|versus|vs|from|and|or|with|to|not|instead|both|while)\b", re.I)
# an opening that only frames what follows: its subject comes after it
_FRAMING = re.compile(
    r"^\s*(?:(?:so|well|basically|honestly),?\s+)?(?:the|one|a)\s+(?:(?:main|key|big|biggest|real|core|basic|"
    r"important)\s+)?(?:difference|distinction|thing|point|idea|catch|trick|gist)\s+(?:here\s+)?is\s+(?:that\s+)?",
    re.IGNORECASE,
)
# a name in a compound modifier describes the subject, it is not the subject: "it's Kubernetes-native", "Python-based"
_MODIFIER = re.compile(
    r"\b[\w.]+-(?:native|based|friendly|compatible|specific|aware|centric|agnostic|style|like|ready|backed|"
    r"powered|driven|first|integrated|managed)\b",
    re.IGNORECASE,
)
GENERIC = frozenset(  # words of the field every answer uses: never the name of one point's concept
    "data model models ml deployment deploy training train test testing tests pipeline pipelines automation "
    "monitoring management platform platforms service services metrics system systems production machine "
    "learning ai".split()
)
STOPWORDS = frozenset(
    "a an the and or of to in on for with by as at from is are be been being it its this that these those "
    "you your we our they their i my me he she his her them us do does did can could should would will "
    "so then than also just very more most some any all each every which what when where how why who "
    "into over about up out if but not no "
    "you'd we'd they'd you're we're they're you'll we'll they'll it'll you've we've they've i'll".split()
)


@dataclass(frozen=True)
class ConceptNames:
    """Per point: the words that name it (all needed), and its short names (any one is enough)."""

    names: list[set[str]]
    aliases: list[set[str]]
    qualifiers: list[set[str]] = field(default_factory=list)  # the field's words in each label ("data", "model")

    def all_words(self) -> set[str]:
        return set(self._all_words)

    @cached_property
    def _all_words(self) -> frozenset[str]:  # once per entry's names, not once per reply clause
        return frozenset().union(*self.names, *self.aliases)

    @cached_property
    def _singular_names(self) -> list[frozenset[str]]:
        return [frozenset(singular(w) for w in names) for names in self.names]

    def named_by_subject(self, text: str, aliases_only: bool = False) -> list[int]:
        """The points a clause names in its first words (`aliases_only`: by an acronym or product name),
        read past a framing opening ("The difference is that canary deployment uses ...")."""
        opening = " ".join(_FRAMING.sub("", text, count=1).split()[:SUBJECT_WORDS])
        opening = words_of(_MODIFIER.sub(lambda m: m[0] if m[0].lower() in self._all_words else " ", opening))
        return [
            i
            for i in range(len(self.names))
            if self._names(i, opening, aliases_only) and not self._qualified_away(i, opening)
        ]

    def _qualified_away(self, i: int, opening: set[str]) -> bool:
        """Whether the opening qualifies point i's name by another label's field word and none of its own:
        "Model quality: precision, recall ..." names model performance, not Data Quality Metrics."""
        if not self.qualifiers:
            return False
        own = self.qualifiers[i]
        foreign = set().union(*(q for j, q in enumerate(self.qualifiers) if j != i)) - own
        return bool(opening & foreign) and not opening & own

    def named_in(self, text: str) -> set[int]:
        found = words_of(text)
        return {i for i in range(len(self.names)) if self._names(i, found)}

    def _names(self, i: int, words: set[str], aliases_only: bool = False) -> bool:
        """Whether `words` name point i: all its name words, in either number ("canaries" names canary
        deployment, "feature store" Feature Stores), or any of its aliases as written (a product's name has
        no plural: "Cloud Functions" is no "predict function")."""
        names = self._singular_names[i]
        has_names = not aliases_only and names and names <= {singular(w) for w in words}
        return bool(has_names or self.aliases[i] & words)

    def purposes(self, text: str) -> list[tuple[int, str]]:
        """(point, what it is said to be for) for each name followed by "for": "DVC for model serving",
        "Prometheus is used for experiment tracking". The purpose runs to the end of the clause."""
        raw = _WORD.findall(text)
        found = []
        for t, word in enumerate(raw):
            token = word.lower().removesuffix("'s").removesuffix("’s")
            points = [i for i in range(len(self.names)) if token in self.aliases[i] or token in self.names[i]]
            points = [i for i in points if self._names(i, words_of(" ".join(raw[max(0, t - 3) : t + 1])))]
            rest = [w.lower() for w in raw[t + 1 : t + 5]]
            for_at = next((k for k, w in enumerate(rest) if w == "for"), None)
            if len(points) != 1 or for_at is None or any(w not in _PURPOSE_GLUE for w in rest[:for_at]):
                continue
            found.append((points[0], " ".join(raw[t + 2 + for_at :])))
        return found

    def bound(self, text: str) -> tuple[int, int] | None:
        """Two points' names joined by a copula ("SageMaker is IBM's product"): (first, second), or None."""
        raw = _WORD.findall(text)
        spans = []  # (token index, point)
        for t, word in enumerate(raw):
            token = word.lower().removesuffix("'s").removesuffix("’s")
            for i in range(len(self.names)):
                if token in self.aliases[i] or (len(self.names[i]) == 1 and token in self.names[i]):
                    spans.append((t, i))
        for (t1, a), (t2, b) in zip(spans, spans[1:]):
            if a == b or not 0 < t2 - t1 - 1 <= BIND_GAP:
                continue
            between = " ".join(raw[t1 : t2 + 1])
            if _COPULA.search(between) and not _NOT_A_BINDING.search(" ".join(raw[t1 + 1 : t2])):
                return a, b
        return None


def concept_names(labels: list[str], entry_text: str) -> ConceptNames:
    names = [_name_words(label) for label in labels]
    names = [set() if any(j != i and n <= m for j, m in enumerate(names)) else n for i, n in enumerate(names)]
    lower_words = _lower_words(entry_text)
    proper_nouns = {w.lower() for w in _PROPER_NOUN.findall(entry_text)}
    acronyms = [{m.lower() for m in _ACRONYM.findall(label) if "/" not in m} for label in labels]
    products = [
        {
            w.lower()
            for w in _WORD.findall(label.split("(")[0])
            if (_CAMEL_OR_CAPS.fullmatch(w) or w.lower() in proper_nouns)
            and w.lower() not in lower_words
            and w.lower() not in GENERIC | STOPWORDS
        }
        for label in labels
    ]
    aliases = [
        (acronyms[i] - set().union(*(a for j, a in enumerate(acronyms) if j != i)))
        | (products[i] - set().union(*(a | p for j, (a, p) in enumerate(zip(acronyms, products)) if j != i)))
        for i in range(len(labels))
    ]
    qualifiers = [words_of(label) & GENERIC for label in labels]
    return ConceptNames(names, aliases, qualifiers)


def product_names(text: str, entry_text: str) -> list[str]:
    """The product names a text mentions ("Kafka Streams, Apache Flink", "TorchServe"): written in capitals or
    camel case, or capitalised inside a sentence, and never in lower case by the entry."""
    lower_words = _lower_words(entry_text)
    found = _CAMEL_OR_CAPS.findall(text) + _PROPER_NOUN.findall(text)
    return sorted({w for w in found if w.lower() not in lower_words and w.lower() not in GENERIC | STOPWORDS})


def _lower_words(entry_text: str) -> set[str]:
    """The words the entry writes in lower case: never a product's name."""
    return set(re.findall(r"\b[a-z][a-z0-9'-]*\b", entry_text))


def words_of(text: str) -> set[str]:
    """Content words of a text, hyphenated ones also by part, possessives stripped ("AWS's" -> aws)."""
    out = set()
    for w in _WORD.findall(text.lower()):
        w = w.removesuffix("'s").removesuffix("’s")
        if w in STOPWORDS or len(w) < 2:
            continue
        out.update((w, *w.split("-")))
    return out


def singular(word: str) -> str:
    """A plural's singular, so "canaries" names canary deployment ("ies" -> "y", a final "s" dropped);
    other words as they are ("process", "status", "analysis" stay)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s")):
        return word[:-1]
    return word


def without(text: str, words: set[str]) -> str:
    """The text with the name words taken out (what it says about the concept, not which one)."""
    kept = []
    for w in text.split():
        bare = w.lower().strip(".,;:()'\"").removesuffix("'s").removesuffix("’s")
        if bare not in words:
            kept.append(w)
    return " ".join(kept)


def _name_words(label: str) -> set[str]:
    return {w for w in words_of(label) if len(w) > 2 and w not in GENERIC}
