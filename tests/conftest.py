"""Shared fixtures: a fake OpenAI-compatible server, and one real index of the real corpus.

Building the index embeds every passage with the real model (~20 s on 2 cores), so it is
done once per test session in a temp dir; tests that change the corpus build their own
tiny one with `make_settings`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fake_llm import FakeLLM

from rag.config import Settings
from rag.embeddings import Embedder
from rag.store import forget_client

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"


@pytest.fixture
def fake_llm():
    """An OpenAI-compatible fake chat server on 127.0.0.1 (see tests/fake_llm.py)."""
    server = FakeLLM()
    try:
        yield server
    finally:
        server.close()


def run_rag(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m rag ARGS` in a new process on `data_dir`, offline (no key, no base URL)."""
    env = {**os.environ, "RAG_DATA_DIR": str(data_dir), "OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""}
    return subprocess.run(
        [sys.executable, "-m", "rag", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=300
    )


def make_settings(data_dir: Path, corpus_dir: Path = CORPUS, **overrides) -> Settings:
    """Settings isolated from the developer's environment and `.env`."""
    values = {
        "RAG_DATA_DIR": str(data_dir),
        "RAG_CORPUS_DIR": str(corpus_dir),
        "OPENAI_API_KEY": "",
        "OPENAI_BASE_URL": "",
        "CHROMA_HOST": "",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """One loaded model for the whole session."""
    return Embedder(make_settings(Path(".")).embedding_model)


@pytest.fixture(scope="session")
def indexed_data_dir(tmp_path_factory, embedder) -> Path:
    """The real corpus indexed once per run. Under pytest-xdist the first worker builds it in the
    run's shared temp dir and every worker copies it (a private copy: Chroma writes when it opens)."""
    from filelock import FileLock

    from rag.indexing import build_index

    data_dir = tmp_path_factory.mktemp("data")
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        build_index(make_settings(data_dir), embedder, progress=False)
        return data_dir
    shared = tmp_path_factory.getbasetemp().parent / "indexed-real-corpus"
    with FileLock(str(shared) + ".lock"):
        if not (shared / "index" / "chroma.sqlite3").exists():
            build_index(make_settings(shared), embedder, progress=False)
            forget_client(shared / "index")  # closed, so the copies below are consistent
    shutil.copytree(shared, data_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.lock"))
    return data_dir


@pytest.fixture(scope="session")
def kb(indexed_data_dir, embedder):
    """A knowledge base over the real corpus, indexed once (treat it as read-only)."""
    from rag.knowledge import KnowledgeBase

    return KnowledgeBase(make_settings(indexed_data_dir), embedder)


@pytest.fixture
def fresh_data_dir(tmp_path, indexed_data_dir) -> Path:
    """A private copy of the indexed data dir, for tests that write to it."""
    target = tmp_path / "data"
    shutil.copytree(indexed_data_dir, target, ignore=shutil.ignore_patterns("*.lock"))
    return target


@pytest.fixture
def tiny_corpus(tmp_path) -> Path:
    """A two-file corpus of the founding shape, small enough to embed in a second."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text(
        "# My notes\n\n## Serving\n\n### Shadow deployment\n\nRun the new model beside the old one and "
        "compare outputs without serving them.\n\n### Feature stores\n\nA feature store keeps features "
        "consistent between training and serving.\n",
        encoding="utf-8",
    )
    (corpus / "qa.md").write_text(
        "# Q&A\n\n## Monitoring\n\n### 1. What is drift? (Big Tech)\n\n**Answer:** Drift is change.\n\n"
        "*   **Data Drift:** inputs change.\n*   **Concept Drift:** the relation changes.\n\n"
        "*(Source: Alpha)*\n\n### 2. How to alert?\n\n**Answer:** Use thresholds on metrics.\n\n"
        "## References\n\n1. Alpha - [Alpha blog](https://alpha.example/post)\n",
        encoding="utf-8",
    )
    # A study bank beside it (even an empty one) makes qa.md curated: its questions keep their numbers and badges.
    (corpus / "qa.study.yaml").write_text("entries: {}\n", encoding="utf-8")
    return corpus
