"""The tutor: a question in, a grounded answer out, with honest citations.

    retrieve (scope gate) ──not covered──> "my notes don't cover that" + nearest topics
        │ covered
        ├─ no LLM ─────────> the extractive answer (the source's own words) [1]
        └─ LLM (streamed) ─> markers checked as they stream ─> Answer
                └─ any failure ─> the extractive answer + a one-line notice

Answers stream (`ask_stream`), so a UI can show text as it arrives; `.answer` on the
stream is the final `Answer`. When the model fails mid-answer, the stream stops and
`.answer` is the offline answer with a notice: a half answer is never passed off as whole
(`superseded` tells the UI to replace what it showed).

With a model, a long scenario is retrieved as the interview question it is about (one
short cached call, `rag.tutor.rewrite`; a failed call means an offline answer with one
notice). A `Conversation` adds memory: a follow-up ("and how is that different from
canary?") is rewritten into a standalone question before retrieval, the model sees a few past turns,
and in coach mode the learner's reply to the tutor's check question is judged against
the source before the conversation moves on.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rag.citations import MarkerFilter, parse_follow_ups, split_follow_ups, tidy
from rag.entry import Entry
from rag.llm import ChatLLM, LLMError
from rag.prompts import answer_messages, unusable_reply
from rag.retrieval import Hit, normalise_query
from rag.study.rubric import Point
from rag.tutor.coach import Judgement, ReplyJudge
from rag.tutor.composer import Extract, ExtractiveAnswerer
from rag.tutor.entry_text import points_or_blocks
from rag.tutor.rewrite import is_narrative, standalone_question
from rag.tutor.scope import ScopeDecision, ScopeGate

log = logging.getLogger(__name__)

STYLES = ("explain", "coach")
HISTORY_TURNS = 3  # past exchanges the model sees
MAX_LLM_SOURCES = 5
FOLLOW_UPS = 3

_UNSAFE_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_RUNS_OF_SPACE = re.compile(r"[ \t]+")
_COACH_LINE = re.compile(r"^[ \t>*_#-]*coach question[*_ ]*:[*_ ]*(?P<q>.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_DEPENDENT_START = re.compile(
    r"^\s*(and|but|or|so|also|then|what about|how about|what if|why|how come|compared|versus|vs\.?|same|"
    r"tell me more|more|elaborate|example|give me an example|can you expand|in what way)\b",
    re.IGNORECASE,
)
_PRONOUNS = re.compile(
    r"\b(it|its|it's|that|this|these|those|they|them|their|the former|the latter|the second one|the first one)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Citation:
    marker: int
    source_id: str
    question_number: int | None
    title: str
    entry: Entry = field(repr=False, compare=False)

    @classmethod
    def of(cls, marker: int, entry: Entry) -> Citation:
        return cls(marker, entry.source_id, entry.question_number, entry.title, entry)

    def to_json(self) -> dict:
        return {
            "marker": self.marker,
            "source_id": self.source_id,
            "question_number": self.question_number,
            "title": self.title,
        }


@dataclass
class PendingCheck:
    """A coach question waiting for the learner's reply, and what to judge it against."""

    question: str
    entry: Entry
    points: list[Point]


@dataclass
class Answer:
    answer: str
    mode: str  # "llm" when a model wrote the text, "offline" otherwise (extract, refusal, fallback)
    grounded: bool
    citations: list[Citation] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)
    notice: str | None = None
    style: str = "explain"
    coach_question: str | None = None
    question: str = ""  # the (standalone) question that was answered
    check: PendingCheck | None = field(default=None, repr=False)

    def to_json(self) -> dict:
        doc = {
            "answer": self.answer,
            "mode": self.mode,
            "grounded": self.grounded,
            "citations": [c.to_json() for c in self.citations],
            "follow_ups": list(self.follow_ups),
        }
        if self.coach_question:
            doc["coach_question"] = self.coach_question
        if self.notice:
            doc["notice"] = self.notice
        return doc

    def to_text(self) -> str:
        parts = [self.answer]
        if self.citations:
            parts.append(
                "Sources:\n" + "\n".join(f"[{c.marker}] {c.entry.label} ({c.entry.section})" for c in self.citations)
            )
        if self.follow_ups:
            lead = "You could ask next:" if self.grounded else "Closest topics I can explain:"
            parts.append(lead + "\n" + "\n".join(f"- {q}" for q in self.follow_ups))
        if self.notice:
            parts.append(f"Note: {self.notice}")
        return "\n\n".join(parts)


class AnswerStream:
    """Iterate for text deltas (once); `.answer` is the final Answer (it finishes the stream if needed)."""

    def __init__(
        self, pieces: Callable[[AnswerStream], Iterator[str]], on_done: Callable[[Answer], None] | None = None
    ):
        self._pieces = pieces(self)
        self._on_done = on_done
        self._answer: Answer | None = None
        self._done = False
        self.superseded = False  # True when the streamed text was cut short and `.answer.answer` replaces it

    def __iter__(self) -> AnswerStream:
        return self

    def __next__(self) -> str:
        if self._done:
            raise StopIteration
        try:
            return next(self._pieces)
        except StopIteration:
            self._finish()
            raise

    @property
    def answer(self) -> Answer:
        for _ in self:
            pass
        return self._answer

    def _finish(self) -> None:
        self._done = True
        if self._on_done is not None and self._answer is not None:
            self._on_done(self._answer)


@dataclass
class Turn:
    message: str  # what the learner typed
    question: str  # the standalone question that was answered (or the coach question replied to)
    answer: Answer
    judged: bool = False  # the message was a reply to a coach question, and the answer its check


@dataclass
class Conversation:
    turns: list[Turn] = field(default_factory=list)
    pending: PendingCheck | None = None

    def history(self, n: int = HISTORY_TURNS) -> list[tuple[str, str]]:
        return [(t.question, t.answer.answer) for t in self.turns[-n:]]


def prepare_question(text: str, max_chars: int) -> tuple[str, list[str]]:
    """Printable, NFC-normalised text cut to `max_chars`; notices say what was changed."""
    text = _SURROGATES.sub("\ufffd", text or "")
    text = unicodedata.normalize("NFC", text)
    text = _UNSAFE_CHARS.sub(" ", text)
    text = _RUNS_OF_SPACE.sub(" ", text).strip()
    notices: list[str] = []
    if len(text) > max_chars:
        original = len(text)
        cut = text[:max_chars]
        if " " in cut[max_chars // 2 :]:
            cut = cut.rsplit(" ", 1)[0]
        text = cut.rstrip()
        notices.append(f"Your question was {original:,} characters long; only its first {len(text):,} were used.")
    return text, notices


def needs_context(message: str) -> bool:
    """A message that leans on the previous turn: a connective start, a pronoun, or very few words."""
    words = message.split()
    return (
        len(words) <= 3
        or bool(_DEPENDENT_START.match(message))
        or (len(words) <= 14 and bool(_PRONOUNS.search(message)))
    )


class Tutor:
    def __init__(self, kb, llm: ChatLLM | None = None):
        self.kb = kb
        self.llm = llm
        self.settings = kb.settings
        self._gate: ScopeGate | None = None
        self._extractive: ExtractiveAnswerer | None = None

    @property
    def gate(self) -> ScopeGate:
        retriever = self.kb.retriever
        if self._gate is None or self._gate.retriever is not retriever:
            self._gate = ScopeGate(retriever)
            self._extractive = ExtractiveAnswerer(retriever, self.kb.embedder)
        return self._gate

    @property
    def extractive(self) -> ExtractiveAnswerer:
        _ = self.gate  # builds the gate and the extractive answerer together, for the current retriever
        return self._extractive

    # ------------------------------------------------------------------ answers

    def ask(self, question: str, style: str = "explain", history: list[Turn] | None = None) -> Answer:
        return self.ask_stream(question, style, history).answer

    def ask_stream(
        self,
        question: str,
        style: str = "explain",
        history: list[Turn] | None = None,
        on_done=None,
        standalone: bool = False,
    ) -> AnswerStream:
        """`standalone`: the question was already rewritten (`respond`), so it is retrieved as it is."""
        style = _check_style(style)
        text, notices = prepare_question(question, self.settings.max_question_chars)
        decision = self.gate.judge(text, k=self._k())
        if decision.instructions_removed and decision.in_scope:
            notices.append("Instructions inside the question were ignored.")
            text = decision.query  # the model never sees them either
        past = [(t.question, t.answer.answer) for t in (history or [])[-HISTORY_TURNS:]]
        asked = _coach_questions_asked(history or [])
        rewrite = not standalone
        return AnswerStream(
            lambda stream: self._produce(stream, text, decision, style, past, notices, asked, rewrite), on_done
        )

    def _k(self) -> int:
        return max(self.settings.top_k, FOLLOW_UPS + 2)

    def _as_interview_question(self, decision: ScopeDecision, past) -> tuple[ScopeDecision, LLMError | None]:
        """With a model, a scenario is retrieved as the interview question it is about.

        Only retrieval and the scope gate use the rewrite (the answer model still reads the
        learner's own words), and only when it is in scope. A failed call comes back, so the
        answer is given offline at once, with one notice, rather than after a second wait.
        """
        if self.llm is None or decision.reason in ("only instructions", "no words") or not is_narrative(decision.query):
            return decision, None
        try:
            rewritten = standalone_question(self.llm, decision.query, tuple(past))
        except LLMError as exc:
            log.warning("retrieving with the question as asked: %s", exc)
            return decision, exc
        if not rewritten or rewritten == decision.query:
            return decision, None
        better = self.gate.judge(rewritten, k=self._k())
        return (better, None) if better.in_scope and not better.instructions_removed else (decision, None)

    def _produce(
        self,
        stream: AnswerStream,
        question: str,
        decision: ScopeDecision,
        style: str,
        past,
        notices: list[str],
        asked: tuple[str, ...] = (),
        rewrite: bool = True,
    ) -> Iterator[str]:
        failure = None
        if rewrite:
            decision, failure = self._as_interview_question(decision, past)
            if failure is not None:
                notices = notices + [f"Offline answer: {failure}."]
        if not decision.in_scope:
            stream._answer = self._refusal(question, decision, notices, style)
            yield stream._answer.answer
            return
        if self.llm is None or failure is not None:
            stream._answer = self._as_interviewer(self._offline(question, decision, style, notices), question, asked)
            yield stream._answer.answer
            return
        sources = [h.entry for h in decision.hits[:MAX_LLM_SOURCES]]
        markers = MarkerFilter(range(1, len(sources) + 1))
        shown = False
        try:
            for delta in self.llm.stream(answer_messages(question, sources, style, past)):
                piece = markers.feed(delta)
                if piece:
                    shown = True
                    yield piece
            piece = markers.flush()
            if piece:
                yield piece
            unusable = unusable_reply(markers.text, markers.after_sentinel)
            if unusable:
                raise LLMError(f"the model {unusable}")
        except LLMError as exc:
            log.warning("answering offline: %s", exc)
            offline = self._offline(question, decision, style, notices + [f"Offline answer: {exc}."])
            stream._answer = self._as_interviewer(offline, question, asked)
            if shown:
                stream.superseded = True
            else:
                yield stream._answer.answer
            return
        answer = self._as_interviewer(
            self._from_model(question, decision, sources, markers, style, notices), question, asked
        )
        if style == "coach" and answer.coach_question and answer.coach_question not in answer.answer:
            extra = f"\n\n**Coach question:** {answer.coach_question}"
            answer.answer += extra
            yield extra
        stream._answer = answer

    def _from_model(
        self,
        question: str,
        decision: ScopeDecision,
        sources: list[Entry],
        markers: MarkerFilter,
        style: str,
        notices: list[str],
    ) -> Answer:
        text, inline_follow_ups = split_follow_ups(tidy(markers.text))
        follow_ups = parse_follow_ups(markers.after_sentinel, FOLLOW_UPS) or inline_follow_ups
        citations = [Citation.of(n, sources[n - 1]) for n in sorted(markers.cited)]
        cited = {c.source_id for c in citations}
        if not follow_ups:
            follow_ups = _nearest_titles(decision.hits, exclude=cited)
        answer = Answer(
            answer=text,
            mode="llm",
            grounded=bool(citations),
            citations=citations,
            follow_ups=follow_ups,
            notice=" ".join(notices) or None,
            style=style,
            question=question,
        )
        if style == "coach":
            entry = citations[0].entry if citations else decision.hits[0].entry
            coach_question = _coach_question_in(text)
            match = list(_COACH_LINE.finditer(text))
            if match:  # one canonical form, so a UI can show the question apart
                last = match[-1]
                text = f"{text[: last.start()]}**Coach question:** {coach_question}{text[last.end() :]}".strip()
                answer.answer = text
            if coach_question is None:
                coach_question = self.extractive.answer(
                    self._query_vector(decision), decision.hits, style="coach"
                ).coach_question
            answer.coach_question = coach_question
            answer.check = PendingCheck(coach_question, entry, points_or_blocks(entry))
        return answer

    def _as_interviewer(self, answer: Answer, question: str, asked: tuple[str, ...]) -> Answer:
        """Coach mode asks what an interviewer asks next (`rag.study.follow_ups`).

        A model's own follow-up is kept when it does not reword the question just asked
        (the learner's, or the entry's own) nor one asked before, and is then checked
        against the entry's points it is about. Otherwise the coach asks a study-bank
        follow-up the learner has not seen, checked against that follow-up's points.
        """
        check = answer.check
        if answer.style != "coach" or check is None or not answer.coach_question:
            return answer
        from rag.study.follow_ups import check_points, points_asked_about, rewords, unseen_follow_ups

        embedder = self.kb.embedder
        entry = check.entry
        just_asked = [question, entry.title]
        if answer.mode == "llm" and not rewords(embedder, answer.coach_question, [*just_asked, *asked]):
            answer.check = PendingCheck(
                answer.coach_question, entry, points_asked_about(embedder, entry, answer.coach_question)
            )
            return answer
        bank = self.kb.study_bank.of(entry.source_id)
        options = unseen_follow_ups(bank, seen=set(asked), just_asked=just_asked, embedder=embedder)
        if not options:
            return answer
        follow_up = options[len(asked) % len(options)]
        old = answer.coach_question
        if old in answer.answer:
            at = answer.answer.rindex(old)
            answer.answer = answer.answer[:at] + follow_up.question + answer.answer[at + len(old) :]
        else:
            answer.answer += f"\n\n**Coach question:** {follow_up.question}"
        answer.coach_question = follow_up.question
        answer.check = PendingCheck(follow_up.question, entry, check_points(follow_up))
        return answer

    def _offline(self, question: str, decision: ScopeDecision, style: str, notices: list[str]) -> Answer:
        extract: Extract = self.extractive.answer(
            self._query_vector(decision), decision.hits, style=style, question=decision.query
        )
        citations = [Citation.of(i, entry) for i, entry in enumerate(extract.sources, start=1)]
        answer = Answer(
            answer=extract.text,
            mode="offline",
            grounded=True,
            citations=citations,
            follow_ups=_nearest_titles(decision.hits, exclude={c.source_id for c in citations}),
            notice=" ".join(notices) or None,
            style=style,
            coach_question=extract.coach_question,
            question=question,
        )
        if extract.coach_question:
            entry = extract.sources[0]
            answer.check = PendingCheck(extract.coach_question, entry, extract.coach_points or points_or_blocks(entry))
        return answer

    def _refusal(self, question: str, decision: ScopeDecision, notices: list[str], style: str) -> Answer:
        if decision.reason == "only instructions":
            text = (
                "I only answer MLOps interview questions from my notes; "
                "I can't change how I work or share my instructions or settings."
            )
        elif decision.reason == "no words":
            text = "I couldn't find a question in that. Ask me about MLOps, for example one of these topics."
        else:
            text = (
                "My notes don't cover that: they hold MLOps interview questions and answers, "
                "and none of them is about this."
            )
        nearest = _nearest_titles(decision.hits, exclude=set()) or self._starter_topics()
        # The nearest topics are the follow-ups, listed once by whoever shows the answer (to_text, the app).
        return Answer(text, "offline", False, [], nearest, " ".join(notices) or None, style, question=question)

    def _starter_topics(self) -> list[str]:
        firsts: dict[str, str] = {}
        for entry in self.kb.retriever.entries:
            if entry.question_number is not None:
                firsts.setdefault(entry.section, entry.title)
        return list(firsts.values())[:FOLLOW_UPS]

    def _query_vector(self, decision: ScopeDecision):
        return self.kb.embedder.embed_query(normalise_query(decision.query))

    # ------------------------------------------------------------- conversation

    def respond(self, conversation: Conversation, message: str, style: str = "explain") -> AnswerStream:
        """Answer the next message of a conversation (judging a pending coach reply first)."""
        style = _check_style(style)
        if conversation.pending is not None:
            check = conversation.pending
            conversation.pending = None
            reply, notices = prepare_question(message, self.settings.max_question_chars)

            def record_judgement(answer: Answer) -> None:
                conversation.turns.append(Turn(message, check.question, answer, judged=True))

            return AnswerStream(lambda stream: self._judge(stream, check, reply, notices), record_judgement)

        question = self.rewrite(conversation, message)

        def record(answer: Answer) -> None:
            conversation.turns.append(Turn(message, answer.question or question, answer))
            if answer.style == "coach" and answer.check is not None and answer.grounded:
                conversation.pending = answer.check

        rewritten = question != message
        return self.ask_stream(question, style, history=conversation.turns, on_done=record, standalone=rewritten)

    def rewrite(self, conversation: Conversation, message: str) -> str:
        """A standalone question: the message itself, or rewritten from the history when it leans on it.

        A checked coach reply closes its exchange: what comes next ("no idea", "thanks") is
        read on its own, not glued to the coach question it would otherwise be taken to extend.
        """
        if not conversation.turns or conversation.turns[-1].judged or not needs_context(message):
            return message
        if self.llm is not None:
            try:
                rewritten = standalone_question(self.llm, message, tuple(conversation.history()))
                if rewritten:
                    return rewritten
            except LLMError as exc:
                log.warning("rewriting the follow-up offline: %s", exc)
        previous = conversation.turns[-1].question[:300]
        return f"{previous} {message}"

    def _judge(self, stream: AnswerStream, check: PendingCheck, reply: str, notices: list[str]) -> Iterator[str]:
        judgement: Judgement = ReplyJudge(self.kb.embedder, self.llm, self.kb.study_bank).judge(
            check.entry, check.question, check.points, reply
        )
        if judgement.notice:
            notices = notices + [judgement.notice]
        hits = self.kb.retriever.search(check.entry.title, k=FOLLOW_UPS + 1)
        stream._answer = Answer(
            answer=_judgement_text(judgement),
            mode=judgement.mode,
            grounded=True,
            citations=[Citation.of(1, check.entry)],
            follow_ups=_nearest_titles(hits, exclude={check.entry.source_id}),
            notice=" ".join(notices) or None,
            style="coach",
            question=check.question,
        )
        yield stream._answer.answer


def _judgement_text(judgement: Judgement) -> str:
    parts = [f"**Checked against the source [1]:** {judgement.feedback}"]
    if judgement.covered:
        parts.append("**You covered:** " + ", ".join(f"**{p.label}**" for p in judgement.covered) + " [1]")
    if judgement.missed:
        parts.append("**What the source adds:**\n" + "\n".join(_missed_line(p) for p in judgement.missed))
    return "\n\n".join(p for p in parts if p)


def _missed_line(point: Point) -> str:
    text = " ".join(point.markdown.split())
    if point.nested:
        text += " " + "; ".join(" ".join(t.split()) for _, t in point.nested[:3])
    if len(text) > 500:
        text = text[:499].rsplit(" ", 1)[0] + "…"
    return f"- {text} [1]"


def _coach_questions_asked(history: list[Turn]) -> tuple[str, ...]:
    """Every coach question of the conversation so far, oldest first."""
    asked = [t.answer.coach_question for t in history if t.answer.coach_question]
    asked += [t.question for t in history if t.judged]
    return tuple(dict.fromkeys(asked))


def _coach_question_in(text: str) -> str | None:
    matches = list(_COACH_LINE.finditer(text))
    if matches:
        return matches[-1].group("q").strip().strip("*_").strip() or None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and lines[-1].endswith("?"):
        return lines[-1].lstrip("-*> ").strip()
    return None


def _nearest_titles(hits: list[Hit], exclude: set[str], n: int = FOLLOW_UPS) -> list[str]:
    titles: list[str] = []
    for hit in hits:
        if hit.entry.source_id in exclude or hit.entry.title in titles:
            continue
        titles.append(hit.entry.title)
        if len(titles) == n:
            break
    return titles


def _check_style(style: str) -> str:
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; choose one of {', '.join(STYLES)}")
    return style
