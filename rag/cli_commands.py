"""What each `python -m rag` command does: a handler per command, `(args, settings) -> (document, text)`.

A handler returns the JSON document and the text to print; `rag.cli.main` prints one of
them and turns any failure into a one-line reason. Heavy modules are imported inside the
handler that needs them, so `--help` and a bad argument stay fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rag.config import Settings
from rag.errors import InvalidRequest


class UserError(InvalidRequest):
    """Bad input or a state the user can fix: printed as one line, exit code 2."""


def knowledge(settings: Settings, build_if_needed: bool = True):
    """A knowledge base whose index matches the corpus (built first when missing)."""
    from rag.knowledge import KnowledgeBase

    kb = KnowledgeBase(settings)
    if build_if_needed:
        report = kb.ensure_index(progress=sys.stderr.isatty())
        if report is not None:
            print(f"indexed {report.entries} entries ({report.embedded} passages embedded)", file=sys.stderr)
            for problem in report.problems:
                print(f"warning: {problem.message}", file=sys.stderr)
            if report.rebuilt_from_corrupt:
                print(
                    "warning: the index was unreadable; it was set aside and rebuilt from the corpus", file=sys.stderr
                )
    return kb


def read_reply(args) -> str:
    """`--reply TEXT`, `--reply -` (stdin) or `--reply-file PATH`: a long reply does not fit in argv."""
    if args.reply_file:
        try:
            return Path(args.reply_file).read_bytes().decode("utf-8", "replace")
        except OSError as exc:
            raise UserError(
                f"cannot read the reply file {args.reply_file} ({exc.strerror or type(exc).__name__})"
            ) from None
    if args.reply == "-":
        return sys.stdin.buffer.read().decode("utf-8", "replace")
    return args.reply


def require_text(value: str, what: str) -> str:
    if value is None or not value.strip():
        raise UserError(f"empty {what}: type some words")
    return value


def check_k(k: int | None, settings: Settings) -> int:
    k = settings.top_k if k is None else k
    if k < 1:
        raise UserError(f"-k must be at least 1 (got {k})")
    if k > 100:
        raise UserError(f"-k must be at most 100 (got {k})")
    return k


def cmd_index(args, settings):
    from rag.knowledge import KnowledgeBase
    from rag.llm import make_llm

    llm = None if args.offline else make_llm(settings)
    report = KnowledgeBase(settings).index(progress=True, llm=llm)
    for problem in report.problems:
        print(f"warning: {problem.message}", file=sys.stderr)
    if report.generation is not None and report.generation.notice:
        print(f"warning: {report.generation.notice}", file=sys.stderr)
    if report.rebuilt_from_corrupt:
        print("warning: the index was unreadable; it was set aside and rebuilt from the corpus", file=sys.stderr)
    doc = report.to_json()
    text = (
        f"{report.entries} entries, {report.chunks} passages, {report.embedded} embedded, "
        f"{report.removed} removed in {report.seconds:.1f} s"
    )
    return doc, text


def cmd_search(args, settings):
    query = require_text(args.query, "query")
    k = check_k(args.k, settings)
    kb = knowledge(settings)
    retriever = kb.retriever
    section = retriever.check_section(args.section)
    hits = retriever.search(query, k=k, section=section, big_tech=args.big_tech or None, method=args.method)
    doc = {"query": query, "hits": [h.to_json() for h in hits]}
    lines = [f"{h.score:.3f}  {h.entry.label}  [{h.entry.section}]" for h in hits] or ["no hits"]
    return doc, "\n".join(lines)


def cmd_ask(args, settings):
    from rag.llm import make_llm
    from rag.tutor.tutor import Tutor

    question = (
        sys.stdin.buffer.read().decode("utf-8", "replace") if args.question == "-" else args.question
    )  # "-": too long for argv
    question = require_text(question, "question")
    kb = knowledge(settings)
    llm = None if args.offline else make_llm(settings)
    answer = Tutor(kb, llm).ask(question, style=args.mode)
    return answer.to_json(), answer.to_text()


def cmd_quiz(args, settings):
    from rag.llm import make_llm
    from rag.study.quiz import make_quiz
    from rag.study.quiz_terminal import run_interactive

    require_text(args.topic, "topic")
    if args.n < 1 or args.n > 50:
        raise UserError(f"-n must be between 1 and 50 (got {args.n})")
    kb = knowledge(settings)
    llm = None if args.offline else make_llm(settings)
    quiz = make_quiz(kb, args.topic, n=args.n, seed=args.seed, llm=llm, difficulty=args.difficulty)
    if args.json:
        return quiz.to_json(), None
    run_interactive(kb, quiz, llm=llm)
    return None, None


def cmd_grade(args, settings):
    from rag.llm import make_llm
    from rag.study.grading import grade_reply

    kb = knowledge(settings)
    entry = kb.retriever.entry(args.source_id)
    if entry is None:
        raise UserError(f"unknown source id {args.source_id!r} (see `python -m rag search` for ids)")
    llm = None if args.offline else make_llm(settings)
    result = grade_reply(kb, entry, read_reply(args), llm=llm)
    return result.to_json(), result.to_text()


def cmd_progress(args, settings):
    from rag.study.progress import open_progress

    kb = knowledge(settings)
    report = open_progress(settings).report(kb.corpus.entries)
    return report.to_json(), report.to_text()


def cmd_interview(args, settings):
    from rag.llm import make_llm
    from rag.study.interview import plan_interview, read_replies, run_interactive, run_with_replies
    from rag.study.progress import open_progress

    require_text(args.topic, "topic")
    replies = read_replies(args.replies) if args.replies is not None else None
    kb = knowledge(settings)
    llm = None if args.offline else make_llm(settings)
    progress = open_progress(settings)
    interview = plan_interview(kb, args.topic, n=args.n, difficulty=args.difficulty, seed=args.seed, progress=progress)
    if replies is None:
        if args.json:
            raise UserError("--json needs --replies FILE (the interactive interview prints text)")
        run_interactive(kb, interview, llm=llm, progress=progress)
    else:
        run_with_replies(kb, interview, replies, llm=llm, progress=progress)
    if progress.problem:
        interview.notices.append(progress.problem)
    if args.report is not None:
        write_text(args.report, interview.report_markdown())
    if replies is None:
        return None, None
    return interview.to_json(), interview.report_markdown()


def cmd_export_anki(args, settings):
    from rag.study.exports import write_anki_deck

    kb = knowledge(settings)
    deck = write_anki_deck(kb, args.out, topic=args.topic)
    return deck.to_json(), f"wrote {deck.notes} notes to {deck.path}"


def write_text(path: Path, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {path} ({exc.strerror or type(exc).__name__})") from None


def cmd_eval_retrieval(args, settings):
    from rag.evaluation.retrieval import evaluate_retrieval, load_questions

    questions = load_questions(args.questions)
    kb = knowledge(settings)
    metrics, details = evaluate_retrieval(kb.retriever, questions, method=args.method)
    text = f"{args.method}: n={metrics['n']} " + " ".join(
        f"{name}={metrics[key]:.3f}"
        for name, key in (("hit@1", "hit@1"), ("hit@3", "hit@3"), ("hit@5", "hit@5"), ("MRR", "mrr"))
    )
    for style, figures in metrics.get("styles", {}).items():
        text += f"\n  {style}: n={figures['n']} " + " ".join(
            f"{name}={figures[name]:.3f}" for name in ("hit@1", "hit@5", "mrr")
        )
    if args.misses:
        misses = [d for d in details if d["rank"] != 1]
        text += "\n" + "\n".join(
            f"rank {d['rank']}: {d['question']} expected {d['expected']} got {d['top']}" for d in misses
        )
    return metrics, text


def cmd_eval_answers(args, settings):
    from rag.evaluation.answers import evaluate_answers
    from rag.llm import make_llm

    kb = knowledge(settings)
    llm = None if args.offline else make_llm(settings)
    report = evaluate_answers(kb, args.questions, args.out_of_scope, llm=llm)
    return report, "\n".join(f"{k}: {v}" for k, v in report.items())


def cmd_eval_grading(args, settings):
    from rag.evaluation.grading import evaluate_grading, load_replies
    from rag.llm import make_llm
    from rag.study.grading import grade_reply

    rows = load_replies(args.replies)
    kb = knowledge(settings)
    llm = None if args.offline else make_llm(settings)
    summary, details = evaluate_grading(
        rows, kb.corpus.by_id(), lambda entry, reply: grade_reply(kb, entry, reply, llm)
    )
    lines = [f"{k}: {v}" for k, v in summary.items()]
    if args.details:
        summary = {**summary, "details": details}
        lines += [json.dumps(d) for d in details]
    return summary, "\n".join(lines)


def cmd_bench(args, settings):
    from rag.evaluation.bench import run_bench

    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        raise UserError(f"--sizes must be comma-separated integers (got {args.sizes!r})") from None
    if any(s < 1 or s > 1_000_000 for s in sizes):
        raise UserError("each --sizes value must be between 1 and 1000000")
    result = run_bench(settings, sizes=sizes, queries=args.queries)
    return result, json.dumps(result, indent=2)
