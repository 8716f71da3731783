"""`python -m rag`: index, search, ask, quiz, grade, progress, interview, export, eval, bench.

Every command prints exactly one JSON document on stdout with `--json` (logs and progress
go to stderr), readable text without it, and exits non-zero with a one-line reason on
stderr for bad input. No traceback reaches the user unless RAG_DEBUG=1.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from rag.config import Settings, load_settings
from rag.errors import InvalidRequest, UserFacingError, user_message

log = logging.getLogger("rag")


class UserError(InvalidRequest):
    """Bad input or a state the user can fix: printed as one line, exit code 2."""


UNEXPECTED = "an unexpected {kind} stopped the command; run it again with RAG_DEBUG=1 to see the traceback"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if os.environ.get("RAG_DEBUG") else logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = load_settings()
        document, text = args.handler(args, settings)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the one place that turns failures into a one-line reason
        if os.environ.get("RAG_DEBUG"):
            raise
        message = user_message(exc)
        if message is None:
            log.debug("command failed", exc_info=exc)
            message = UNEXPECTED.format(kind=type(exc).__name__)
        print(f"error: {message}", file=sys.stderr)
        return 2 if isinstance(exc, UserFacingError) else 1
    if document is None:
        return 0
    return emit(json.dumps(document, ensure_ascii=False) if args.json else text)


def emit(text: str | None) -> int:
    """Print the result without ever failing on the way out.

    Text taken from argv can hold lone surrogates (bytes that were not UTF-8) and a locale
    may not encode every character: both become "?" rather than an encoding traceback.
    A reader that closes the pipe early (`rag search ... | head`) ends the output quietly.
    """
    if not text:
        return 0
    try:
        sys.stdout.reconfigure(errors="replace")
    except (AttributeError, ValueError):  # a replaced or detached stdout (tests, embedding apps)
        text = text.encode("utf-8", "replace").decode("utf-8")
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit-time flush is silent too
        return 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left
    return 0


# ----------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rag", description="MLOps Interview Tutor: index, search, ask, quiz."
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    common.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", parents=[common], help="build or update the index from the corpus")
    p.add_argument("--offline", action="store_true", help="never call an LLM (no generated alternates for notes)")
    p.set_defaults(handler=cmd_index)

    p = sub.add_parser("search", parents=[common], help="hybrid search, one hit per entry")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=None, help="number of hits (default: RAG_TOP_K)")
    p.add_argument("--section", help="only entries of this section")
    p.add_argument("--big-tech", action="store_true", help="only questions tagged (Big Tech)")
    p.add_argument("--method", choices=["dense", "bm25", "hybrid"], default="hybrid")
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("ask", parents=[common], help="ask the tutor; answers cite their sources")
    p.add_argument("question", help='the question ("-" reads it from stdin)')
    p.add_argument("--offline", action="store_true", help="never call an LLM")
    p.add_argument("--mode", choices=["explain", "coach"], default="explain")
    p.set_defaults(handler=cmd_ask)

    p = sub.add_parser("quiz", parents=[common], help="quiz on a topic (interactive without --json)")
    p.add_argument("--topic", required=True, help="a section, 'big tech', 'weak spots' or any free text")
    p.add_argument("-n", type=int, default=5, help="number of items")
    p.add_argument("--seed", type=int, default=None, help="same seed, same quiz")
    p.add_argument("--difficulty", choices=["recall", "apply", "compare"], help="curated questions of this kind first")
    p.add_argument("--offline", action="store_true", help="never call an LLM")
    p.set_defaults(handler=cmd_quiz)

    p = sub.add_parser("grade", parents=[common], help="grade a free-text reply against a source entry")
    p.add_argument("--source-id", required=True)
    replies = p.add_mutually_exclusive_group(required=True)
    replies.add_argument("--reply", help='the reply to grade ("-" reads it from stdin, for long replies)')
    replies.add_argument("--reply-file", help="read the reply from this UTF-8 file")
    p.add_argument("--offline", action="store_true", help="never call an LLM")
    p.set_defaults(handler=cmd_grade)

    p = sub.add_parser("progress", parents=[common], help="mastery per section and what is due")
    p.set_defaults(handler=cmd_progress)

    p = sub.add_parser("interview", parents=[common], help="a graded mock interview (interactive without --replies)")
    p.add_argument("--topic", required=True, help="a section, 'big tech', 'weak spots' or any free text")
    p.add_argument("-n", type=int, default=5, help="number of questions")
    p.add_argument("--difficulty", choices=["easy", "medium", "hard"], default="medium")
    p.add_argument("--replies", type=Path, help="answer from this file (JSON list, JSON lines or one per line)")
    p.add_argument("--seed", type=int, default=None, help="same seed, same questions")
    p.add_argument("--report", type=Path, help="also write the report as Markdown to this file")
    p.add_argument("--offline", action="store_true", help="never call an LLM")
    p.set_defaults(handler=cmd_interview)

    p = sub.add_parser("export", parents=[common], help="export study material")
    export_sub = p.add_subparsers(dest="what", required=True, metavar="WHAT")
    q = export_sub.add_parser("anki", parents=[common], help="the study bank as an Anki deck (.apkg)")
    q.add_argument("--out", type=Path, required=True, help="the .apkg file to write")
    q.add_argument("--topic", help="only this topic (a section, 'big tech' or any free text)")
    q.set_defaults(handler=cmd_export_anki)

    p = sub.add_parser("eval", parents=[common], help="evaluate retrieval or answers")
    eval_sub = p.add_subparsers(dest="what", required=True, metavar="WHAT")
    q = eval_sub.add_parser("retrieval", parents=[common], help="hit@1/3/5 and MRR on a JSONL question set")
    q.add_argument("--questions", type=Path, default=Path("eval/retrieval_dev.jsonl"))
    q.add_argument("--method", choices=["dense", "bm25", "hybrid"], default="hybrid")
    q.add_argument("--misses", action="store_true", help="list the questions not ranked first")
    q.set_defaults(handler=cmd_eval_retrieval)
    q = eval_sub.add_parser("answers", parents=[common], help="citation accuracy and refusals of the tutor")
    q.add_argument("--questions", type=Path, default=Path("eval/in_scope_answers_dev.jsonl"))
    q.add_argument("--out-of-scope", type=Path, default=Path("eval/out_of_scope_dev.jsonl"))
    q.add_argument("--offline", action="store_true", help="never call an LLM")
    q.set_defaults(handler=cmd_eval_answers)
    q = eval_sub.add_parser("grading", parents=[common], help="per-kind mean score and agreement of the grader")
    q.add_argument("--replies", type=Path, default=Path("eval/grading_dev.jsonl"))
    q.add_argument("--details", action="store_true", help="one line per reply (score, covered, disagreements)")
    q.add_argument("--offline", action="store_true", help="never call an LLM")
    q.set_defaults(handler=cmd_eval_grading)

    p = sub.add_parser("bench", parents=[common], help="speed figures (medians over several runs)")
    p.add_argument(
        "--sizes", default="35,10000", help="synthetic corpus sizes, comma-separated (100000 adds ~7 minutes)"
    )
    p.add_argument("--queries", type=int, default=200, help="warm search queries")
    p.set_defaults(handler=cmd_bench)
    return parser


# ---------------------------------------------------------------------------- helpers


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


# --------------------------------------------------------------------------- commands


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
