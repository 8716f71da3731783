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
from collections.abc import Iterator

from rag.citations import MarkerFilter, parse_follow_ups, split_follow_ups, tidy
from rag.entry import Entry
from rag.llm import ChatLLM, LLMError
from rag.prompts import answer_messages, unusable_reply
from rag.retrieval import Hit, normalise_query
from rag.tutor.answer import Answer, AnswerStream, Citation, PendingCheck
from rag.tutor.coach import Judgement, ReplyJudge
from rag.tutor.coach_text import COACH_LINE, coach_question_in, judgement_text
from rag.tutor.composer import Extract, ExtractiveAnswerer
from rag.tutor.conversation import (
    HISTORY_TURNS,
    Conversation,
    Turn,
    coach_questions_asked,
    needs_context,
    prepare_question,
)
from rag.tutor.entry_text import points_or_blocks
from rag.tutor.rewrite import is_narrative, standalone_question
from rag.tutor.scope import ScopeDecision, ScopeGate

log = logging.getLogger(__name__)

STYLES = ("explain", "coach")
MAX_LLM_SOURCES = 5
FOLLOW_UPS = 3


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
        asked = coach_questions_asked(history or [])
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
            coach_question = coach_question_in(text)
            match = list(COACH_LINE.finditer(text))
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
            answer=judgement_text(judgement),
            mode=judgement.mode,
            grounded=True,
            citations=[Citation.of(1, check.entry)],
            follow_ups=_nearest_titles(hits, exclude={check.entry.source_id}),
            notice=" ".join(notices) or None,
            style="coach",
            question=check.question,
        )
        yield stream._answer.answer


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
