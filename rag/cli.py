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

from rag.cli_commands import (
    cmd_ask,
    cmd_bench,
    cmd_eval_answers,
    cmd_eval_grading,
    cmd_eval_retrieval,
    cmd_export_anki,
    cmd_grade,
    cmd_index,
    cmd_interview,
    cmd_progress,
    cmd_quiz,
    cmd_search,
)
from rag.config import load_settings
from rag.errors import UserFacingError, user_message

log = logging.getLogger("rag")

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
