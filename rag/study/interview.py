"""A mock interview: N questions on a topic at a chosen difficulty, graded, with a final report.

An interview asks what a panel asks: an entry's own question, then the interviewer's
follow-ups from the study bank (depth, trade-off, failure mode). The difficulty sets the
mix:

* easy: the entries' own questions;
* medium: own questions, and follow-ups once each entry of the topic was asked;
* hard: follow-ups first (trade-offs and failure modes before depth), own questions after.

Every reply is graded by the one grader: an own question against the entry's points, a
follow-up against its checks. The report says per question the score, what was covered,
missed and wrong, the model answer and its source; it is saved to progress (one attempt per
question) and can be written as Markdown. The same seed gives the same interview.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from rag.entry import Entry
from rag.errors import InvalidRequest
from rag.study.follow_ups import check_text, grade_follow_up
from rag.study.grading import Grade, grade_reply
from rag.study.rubric import rubric_points
from rag.study.topics import TopicNotCovered, resolve_topic
from rag.text import clip

DIFFICULTIES = ("easy", "medium", "hard")
FOLLOW_UP_ORDER = {"easy": (), "medium": ("depth", "trade-off", "failure"), "hard": ("trade-off", "failure", "depth")}
MAX_QUESTIONS = 30
MODEL_ANSWER_CHARS = 1500


@dataclass
class InterviewQuestion:
    prompt: str
    entry: Entry
    kind: str = "question"  # "question" (the entry's own) or a follow-up kind: depth, trade-off, failure
    follow_up: object | None = None  # the bank follow-up, when it is one
    seconds: int | None = None  # the time budget, when the interview has one

    @property
    def id(self) -> str:
        digest = hashlib.sha1(self.prompt.encode()).hexdigest()[:8]
        variant = "question" if self.follow_up is None else f"follow-up/{digest}"
        return f"{self.entry.source_id}/interview/{variant}"

    @property
    def source_id(self) -> str:
        return self.entry.source_id

    @property
    def section(self) -> str:
        return self.entry.section

    def model_answer(self) -> str:
        """What a strong reply says: the follow-up's checks, or the entry's points in its own words."""
        if self.follow_up is not None:
            return "\n".join(f"- {check}" for check in self.follow_up.checks)
        points = rubric_points(self.entry)
        text = "\n".join(f"- {' '.join(p.text.split())}" for p in points) or self.entry.answer
        return clip(text, MODEL_ANSWER_CHARS, flatten=False)


@dataclass
class InterviewAnswer:
    question: InterviewQuestion
    reply: str
    grade: Grade

    def _checks(self, labels: list[str]) -> list[str]:
        """Labels as the learner reads them: a follow-up's checks in full."""
        if self.question.follow_up is None:
            return list(labels)
        return [check_text(self.question.follow_up, label) for label in labels]

    @property
    def covered(self) -> list[str]:
        return self._checks(self.grade.covered)

    @property
    def missed(self) -> list[str]:
        return self._checks(self.grade.missed)

    def to_json(self) -> dict:
        return {
            "prompt": self.question.prompt,
            "source_id": self.question.source_id,
            "reply": self.reply,
            "score": round(float(self.grade.score), 3),
            "covered": self._checks(self.grade.covered),
            "missed": self._checks(self.grade.missed),
            "incorrect": [c.to_json() for c in self.grade.incorrect],
        }


@dataclass
class Interview:
    topic: str
    difficulty: str
    questions: list[InterviewQuestion]
    answers: list[InterviewAnswer] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        """The mean score over every question asked; a question not answered counts 0."""
        if not self.questions:
            return 0.0
        return sum(a.grade.score for a in self.answers) / len(self.questions)

    @property
    def next_question(self) -> InterviewQuestion | None:
        return self.questions[len(self.answers)] if len(self.answers) < len(self.questions) else None

    @property
    def finished(self) -> bool:
        return len(self.answers) >= len(self.questions)

    def answer(self, kb, reply: str, llm=None, progress=None) -> InterviewAnswer:
        """Grade the reply to the next question (and record it when a progress store is given)."""
        question = self.next_question
        if question is None:
            raise InvalidRequest("the interview is over: every question has been answered")
        reply = reply or ""
        if question.follow_up is not None:
            result = grade_follow_up(kb, question.entry, question.follow_up, reply, llm=llm)
        else:
            result = grade_reply(kb, question.entry, reply, llm=llm)
        answered = InterviewAnswer(question, reply, result)
        self.answers.append(answered)
        if progress is not None:
            progress.record(_Attempt(question.id, question.source_id, question.section), result)
        return answered

    def to_json(self) -> dict:
        doc = {
            "topic": self.topic,
            "difficulty": self.difficulty,
            "questions": [a.to_json() for a in self.answers],
            "score": round(self.score, 3),
        }
        if self.notices:
            doc["notice"] = "; ".join(self.notices)
        return doc

    def report_markdown(self) -> str:
        """The final report as Markdown: per question the score, covered, missed, wrong, model answer, source."""
        lines = [
            f"# Mock interview: {self.topic}",
            "",
            f"Difficulty: {self.difficulty} · {len(self.answers)} of {len(self.questions)} answered"
            f" · overall score {self.score:.0%}",
        ]
        for notice in self.notices:
            lines += ["", f"> Note: {notice}"]
        for number, answered in enumerate(self.answers, start=1):
            q, g = answered.question, answered.grade
            lines += ["", f"## {number}. {q.prompt}", "", f"**Score:** {g.score:.0%}", ""]
            lines += ["**Your answer:**", "", _quoted(answered.reply or "(no answer)"), ""]
            if answered.covered:
                lines += ["**Covered:** " + "; ".join(answered.covered), ""]
            if answered.missed:
                lines += ["**Missed:** " + "; ".join(answered.missed), ""]
            for claim in g.incorrect:
                lines += [f"**Wrong:** {claim.claim} — {claim.correction}", ""]
            lines += ["**Model answer:**", "", q.model_answer(), ""]
            lines += [f"**Source:** {q.entry.label} (`{q.source_id}`)"]
        return "\n".join(lines).rstrip() + "\n"


@dataclass(frozen=True)
class _Attempt:
    """What the progress store needs of an item (an interview question is one)."""

    id: str
    source_id: str
    section: str
    kind: str = "interview"


def plan_interview(
    kb, topic: str, n: int = 5, difficulty: str = "medium", seed: int | None = None, progress=None, seconds=None
) -> Interview:
    """N questions on `topic` at `difficulty`; never the same question twice."""
    if difficulty not in DIFFICULTIES:
        raise InvalidRequest(f"unknown difficulty {difficulty!r}; choose one of {', '.join(DIFFICULTIES)}")
    if not 1 <= n <= MAX_QUESTIONS:
        raise InvalidRequest(f"an interview has 1 to {MAX_QUESTIONS} questions (got n={n})")
    resolved = resolve_topic(kb, topic, progress=progress, limit=max(n, 10))
    if not resolved.entries:
        raise TopicNotCovered(f"no questions for the topic {resolved.name!r}")
    rng = random.Random(seed if seed is not None else random.SystemRandom().randrange(2**31))
    entries = list(resolved.entries)
    if not resolved.ordered:
        rng.shuffle(entries)
    own = [InterviewQuestion(e.title, e, seconds=seconds) for e in entries]
    follow_ups = _follow_up_questions(kb, entries, difficulty, rng, seconds)
    if difficulty == "easy":
        plan = own
    elif difficulty == "hard":
        plan = follow_ups + own
    else:
        plan = own + follow_ups
    interview = Interview(resolved.name, difficulty, plan[:n])
    if resolved.notice:
        interview.notices.append(resolved.notice)
    if len(interview.questions) < n:
        interview.notices.append(f"only {len(interview.questions)} distinct questions for this topic and difficulty")
    return interview


def _follow_up_questions(kb, entries: list[Entry], difficulty: str, rng: random.Random, seconds) -> list:
    """Follow-ups round-robin over the entries, the difficulty's kinds first."""
    order = FOLLOW_UP_ORDER[difficulty]
    if not order:
        return []
    per_entry = []
    for entry in entries:
        items = list(kb.study_bank.of(entry.source_id).follow_ups)
        rng.shuffle(items)
        items.sort(key=lambda f: order.index(f.kind) if f.kind in order else len(order))
        per_entry.append([InterviewQuestion(f.question, entry, f.kind, f, seconds) for f in items])
    out = []
    while any(per_entry):
        for queue in per_entry:
            if queue:
                out.append(queue.pop(0))
    return out


def read_replies(path: Path) -> list[str]:
    """Replies for a non-interactive interview: a JSON list of strings, JSON lines (a string or
    {"reply": ...} per line), or plain text with one reply per line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"cannot read the replies file {path.name} ({type(exc).__name__})") from None
    stripped = text.strip()
    try:
        if stripped.startswith("["):
            replies = json.loads(stripped)
        elif path.suffix == ".jsonl" or stripped.startswith(("{", '"')):
            replies = [json.loads(line) for line in stripped.splitlines() if line.strip()]
        else:
            return [line.strip() for line in stripped.splitlines()]
    except json.JSONDecodeError as exc:
        raise InvalidRequest(f"the replies file {path.name} is not valid JSON (line {exc.lineno})") from None
    out = []
    for reply in replies:
        if isinstance(reply, dict):
            reply = reply.get("reply", "")
        if not isinstance(reply, str):
            raise InvalidRequest(f'every reply in {path.name} must be a string or {{"reply": ...}}')
        out.append(reply)
    return out


def run_with_replies(kb, interview: Interview, replies: list[str], llm=None, progress=None) -> Interview:
    """Answer every question with the given replies, in order; a missing reply is an empty answer."""
    for index in range(len(interview.questions)):
        interview.answer(kb, replies[index] if index < len(replies) else "", llm=llm, progress=progress)
    return interview


def run_interactive(kb, interview: Interview, llm=None, progress=None, read=input, write=print) -> Interview:
    """Ask each question in the terminal; an empty reply is asked again, 'q' ends the interview."""
    write(f"Mock interview: {interview.topic} ({len(interview.questions)} questions, {interview.difficulty}).")
    write("Answer in a few sentences; an empty line asks again, 'q' stops.")
    for notice in interview.notices:
        write(f"note: {notice}")
    while not interview.finished:
        question = interview.next_question
        write("")
        write(f"[{len(interview.answers) + 1}/{len(interview.questions)}] {question.prompt}")
        reply = _read(read, write)
        if reply is None:
            break
        answered = interview.answer(kb, reply, llm=llm, progress=progress)
        write(answered.grade.to_text())
    write("")
    write(f"Done: {len(interview.answers)} of {len(interview.questions)} answered, score {interview.score:.2f}.")
    return interview


def _read(read, write, tries: int = 5) -> str | None:
    for _ in range(tries):
        try:
            text = read("> ")
        except EOFError:
            return None
        if text.strip().lower() in {"q", "quit", "exit"}:
            return None
        if text.strip():
            return text
        write("  (no answer yet: type your answer, or q to stop)")
    return None


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines())


__all__ = [
    "DIFFICULTIES",
    "Interview",
    "InterviewAnswer",
    "InterviewQuestion",
    "plan_interview",
    "read_replies",
    "run_interactive",
    "run_with_replies",
]
