"""The `python -m rag` contracts of DESIGN.md, run as a user runs them: in a subprocess,
against a copy of the indexed real corpus, with no OpenAI settings and the hub off.

Each subprocess pays the library imports, so the JSON contracts and the bad-input
paths get one process each; `--help` of every command runs in-process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import CORPUS, REPO

from rag.cli import build_parser, main

DEV_SET = REPO / "eval" / "retrieval_dev.jsonl"
HIT_FIELDS = {"source_id", "question_number", "title", "section", "score", "text"}


def run_cli(*args: str, data_dir, corpus_dir=CORPUS, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "RAG_", "CHROMA_"))}
    env.update(HF_HUB_OFFLINE="1", RAG_DATA_DIR=str(data_dir), RAG_CORPUS_DIR=str(corpus_dir))
    # cwd is a temp dir, so a developer's `.env` in the repo cannot leak into the run.
    return subprocess.run(
        [sys.executable, "-m", "rag", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600
    )


def json_of(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # exactly one JSON document, or this raises


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> str:
    assert result.returncode != 0
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def shared_data_dir(tmp_path_factory, indexed_data_dir):
    """One copy of the indexed data for the commands that only read it."""
    target = tmp_path_factory.mktemp("cli") / "data"
    shutil.copytree(indexed_data_dir, target, ignore=shutil.ignore_patterns("*.lock"))
    return target


@pytest.fixture
def cli(shared_data_dir, tmp_path):
    return lambda *args: run_cli(*args, data_dir=shared_data_dir, cwd=tmp_path)


# ------------------------------------------------------------------------------ index


def test_index_on_an_up_to_date_copy_embeds_nothing(fresh_data_dir, tmp_path, kb):
    doc = json_of(run_cli("index", "--json", data_dir=fresh_data_dir, cwd=tmp_path))
    assert {"entries", "chunks", "embedded", "seconds"} <= set(doc)
    assert doc["entries"] == len(kb.corpus.entries) == 36
    assert doc["chunks"] == len(kb.store.hashes())
    assert doc["embedded"] == 0
    assert isinstance(doc["seconds"], (int, float)) and doc["seconds"] >= 0


def test_index_embeds_a_new_corpus_then_nothing_the_second_time(tiny_corpus, tmp_path):
    data_dir = tmp_path / "data"
    first = json_of(run_cli("index", "--json", data_dir=data_dir, corpus_dir=tiny_corpus, cwd=tmp_path))
    second = json_of(run_cli("index", "--json", data_dir=data_dir, corpus_dir=tiny_corpus, cwd=tmp_path))
    assert first["entries"] == second["entries"] == 4
    assert first["embedded"] == first["chunks"] > 0
    assert second["embedded"] == 0
    assert second["chunks"] == first["chunks"]


# ----------------------------------------------------------------------------- search


def test_search_json_contract(cli):
    doc = json_of(cli("search", "how do I roll back a bad model", "-k", "3", "--json"))
    assert doc["query"] == "how do I roll back a bad model"
    assert len(doc["hits"]) == 3
    for hit in doc["hits"]:
        assert HIT_FIELDS <= set(hit)
        assert hit["question_number"] is None or isinstance(hit["question_number"], int)
        assert hit["text"]
    assert len({h["source_id"] for h in doc["hits"]}) == 3
    scores = [h["score"] for h in doc["hits"]]
    assert scores == sorted(scores, reverse=True)
    assert doc["hits"][0]["source_id"] == "mlops-interview-questions#q10"


def test_search_by_section_ignores_case(cli):
    doc = json_of(cli("search", "drift", "-k", "3", "--section", "monitoring & MAINTENANCE", "--json"))
    assert len(doc["hits"]) == 3
    assert {h["section"] for h in doc["hits"]} == {"Monitoring & Maintenance"}


def test_search_big_tech_only(cli, kb):
    doc = json_of(cli("search", "deployment", "-k", "50", "--big-tech", "--json"))
    tagged = {e.source_id for e in kb.corpus.entries if e.big_tech}
    assert {h["source_id"] for h in doc["hits"]} == tagged


# ------------------------------------------------------------------------------- eval


def test_eval_retrieval_json_contract(cli):
    doc = json_of(cli("eval", "retrieval", "--questions", str(DEV_SET), "--json"))
    assert {"n", "hit@1", "hit@3", "hit@5", "mrr"} <= set(doc)
    assert doc["n"] == sum(1 for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip())
    assert 0 <= doc["hit@1"] <= doc["hit@3"] <= doc["hit@5"] <= 1
    assert doc["hit@1"] <= doc["mrr"] <= 1  # every first-place hit adds a full 1 to MRR


# ------------------------------------------------------------------------------- help


def command_paths(parser: argparse.ArgumentParser, prefix=()) -> list[tuple[str, ...]]:
    paths = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths.append((*prefix, name))
                paths.extend(command_paths(sub, (*prefix, name)))
    return paths


COMMANDS = command_paths(build_parser())


def test_every_command_of_the_design_is_there():
    names = {" ".join(p) for p in COMMANDS}
    assert {"index", "search", "ask", "quiz", "grade", "eval", "eval retrieval", "bench"} <= names


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m rag " + " ".join(command))


def test_the_module_entry_point_prints_help(cli):
    result = cli("--help")
    assert result.returncode == 0
    for name in ("index", "search", "eval"):
        assert name in result.stdout


# -------------------------------------------------------------------------- bad input


def test_an_empty_query_is_refused(cli):
    assert_one_line_error(cli("search", "   ", "--json"), "empty query")


def test_an_unknown_section_is_refused_with_the_valid_ones(cli):
    line = assert_one_line_error(cli("search", "drift", "--section", "Astrology", "--json"), "Astrology")
    assert "Model Management" in line and "CI/CD for ML" in line


def test_k_zero_is_refused(cli):
    assert_one_line_error(cli("search", "drift", "-k", "0", "--json"), "-k")


def test_a_missing_questions_file_is_refused(cli, tmp_path):
    missing = tmp_path / "no-such-questions.jsonl"
    assert_one_line_error(
        cli("eval", "retrieval", "--questions", str(missing), "--json"), "no-such-questions.jsonl", "not found"
    )


def test_a_malformed_questions_file_names_the_line(cli, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"question": "what is drift?", "expected": [8]}\n\n{"question": "oops", "expected": [8\n', encoding="utf-8"
    )
    assert_one_line_error(cli("eval", "retrieval", "--questions", str(bad), "--json"), "bad.jsonl:3")


# ------------------------------------------------------------------------ human output


def test_search_without_json_prints_one_line_per_hit(shared_data_dir, tmp_path, monkeypatch, capsys):
    for name in [k for k in os.environ if k.startswith(("OPENAI_", "RAG_", "CHROMA_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("RAG_DATA_DIR", str(shared_data_dir))
    monkeypatch.setenv("RAG_CORPUS_DIR", str(CORPUS))
    monkeypatch.chdir(tmp_path)
    assert main(["search", "what is a model registry", "-k", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert "Q12 · What is a model registry, and why is it important?" in lines[0]
    assert "[Model Management]" in lines[0]
