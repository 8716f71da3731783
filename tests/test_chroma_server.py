"""The store as a shared Chroma server (`CHROMA_HOST`/`CHROMA_PORT`) behaves like the embedded one.

A real `chroma run` from the venv, on a free loopback port with its data in a temp dir,
stopped by its PID whatever happens.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import make_settings

from rag.indexing import build_index
from rag.knowledge import KnowledgeBase

pytestmark = pytest.mark.server

QUESTIONS = [
    "how do I roll back a bad model",
    "what is concept drift",
    "why use a feature store",
    "canary vs shadow deployment",
    "mlfow experiment tracking",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_heartbeat(process: subprocess.Popen, port: int, log: Path, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"chroma run exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"no heartbeat from chroma run on port {port} after {timeout_s} s:\n{log.read_text()[-2000:]}")


@pytest.fixture
def chroma_server(tmp_path):
    """(host, port) of a `chroma run` server that lives for one test."""
    chroma = Path(sys.executable).with_name("chroma")
    if not chroma.exists():
        pytest.skip("the chroma CLI is not installed next to this Python")
    port = free_port()
    log = tmp_path / "chroma.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
    try:
        wait_for_heartbeat(process, port, log)
        yield "127.0.0.1", port
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


def test_index_and_search_through_a_chroma_server_like_the_embedded_store(chroma_server, tmp_path, embedder, kb):
    host, port = chroma_server
    settings = make_settings(tmp_path / "data", CHROMA_HOST=host, CHROMA_PORT=str(port))

    first = build_index(settings, embedder, progress=False)
    assert first.chunks > 0 and first.embedded == first.chunks
    again = build_index(settings, embedder, progress=False)
    assert again.embedded == 0 and again.removed == 0
    assert not (tmp_path / "data" / "index").exists()  # nothing was written locally

    served = KnowledgeBase(settings, embedder)
    assert served.status().state == "fresh"
    assert served.store.count() == kb.store.count()
    for question in QUESTIONS:
        through_server = served.retriever.search(question, k=3)
        embedded = kb.retriever.search(question, k=3)
        assert [h.source_id for h in through_server] == [h.source_id for h in embedded], question

    # the server's own HNSW index answers nearest-passage queries too
    title = kb.corpus.entries[8].title
    nearest = served.store.query(embedder.embed_query(title), n=3)
    assert nearest[0][0] == f"{kb.corpus.entries[8].source_id}::title"
    assert nearest[0][1] > 0.99


def test_a_server_that_is_down_is_a_one_line_store_error(tmp_path):
    from rag.store import StoreError

    settings = make_settings(tmp_path / "data", CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(free_port()))
    with pytest.raises(StoreError, match="127.0.0.1"):
        build_index(settings, progress=False)
