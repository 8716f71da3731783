"""No command that answers a learner imports torch: each runs in a new process, as a user runs it.

torch and sentence-transformers cost seconds to import (and ~600 MB): the numpy encoder
computes the same vectors, so `ask`, `search`, `quiz`, `grade` and `interview`, and the
app's warm-up, must never reach for them. Each case runs `rag.cli.main` in a fresh
interpreter and then reports which heavy modules that interpreter imported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import REPO

from rag.cli import build_parser

HEAVY = ("torch", "sentence_transformers", "transformers")
SOURCE_ID = "mlops-interview-questions#q8"

WRAPPER = f"""
import contextlib, io, json, sys
from rag.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(sys.argv[1:])
heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
print(json.dumps({{"code": code, "output": out.getvalue(), "heavy": heavy}}))
"""


def subcommands() -> dict:
    parser = build_parser()
    return next(a for a in parser._actions if a.choices and "ask" in a.choices).choices


def run_fresh(args: list[str], data_dir, cwd) -> dict:
    """`rag.cli.main(args)` in a new interpreter: its exit code, its stdout, the heavy modules it imported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "RAG_", "CHROMA_"))}
    env.update(HF_HUB_OFFLINE="1", RAG_DATA_DIR=str(data_dir), RAG_CORPUS_DIR=str(REPO / "corpus"))
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, indexed_data_dir):
    target = tmp_path_factory.mktemp("query-paths") / "data"
    shutil.copytree(indexed_data_dir, target, ignore=shutil.ignore_patterns("*.lock"))
    return target


CASES = {
    "ask": ["ask", "How would you roll back a bad model?", "--offline", "--json"],
    "ask coach": ["ask", "How do you detect data drift?", "--offline", "--mode", "coach", "--json"],
    "search": ["search", "canary vs blue-green", "-k", "5", "--json"],
    "quiz": ["quiz", "--topic", "monitoring", "-n", "4", "--offline", "--json"],
    "grade": ["grade", "--source-id", SOURCE_ID, "--reply", "Watch drift and roll back.", "--offline", "--json"],
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_query_command_never_imports_torch(name, data_dir, tmp_path):
    args = CASES[name]

    result = run_fresh(args, data_dir, tmp_path)

    assert result["code"] == 0
    json.loads(result["output"])  # it answered: one JSON document
    assert result["heavy"] == []


def test_the_interview_never_imports_torch(data_dir, tmp_path):
    if "interview" not in subcommands():
        pytest.skip("no interview command yet")
    replies = tmp_path / "replies.txt"
    replies.write_text("Watch input drift and retrain on fresh data.\n", encoding="utf-8")

    result = run_fresh(
        ["interview", "--topic", "monitoring", "-n", "1", "--replies", str(replies), "--offline", "--json"],
        data_dir,
        tmp_path,
    )

    assert result["code"] == 0
    assert json.loads(result["output"])["questions"]
    assert result["heavy"] == []


def test_indexing_a_new_corpus_never_imports_torch_either(tiny_corpus, tmp_path):
    env_data = tmp_path / "fresh-data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "RAG_", "CHROMA_"))}
    env.update(HF_HUB_OFFLINE="1", RAG_DATA_DIR=str(env_data), RAG_CORPUS_DIR=str(tiny_corpus))
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, "index", "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])

    assert json.loads(result["output"])["embedded"] > 0
    assert result["heavy"] == []


def test_the_app_warm_up_loads_the_numpy_encoder_not_torch(tmp_path):
    script = (
        "import json, sys\n"
        "from rag.config import Settings\n"
        "from rag.embeddings import Embedder\n"
        "e = Embedder(Settings().embedding_model)\n"
        "e.warm()\n"
        f"print(json.dumps({{'loaded': e.loaded, 'heavy': sorted(m for m in {HEAVY!r} if m in sys.modules)}}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"loaded": True, "heavy": []}
