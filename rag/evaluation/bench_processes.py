"""The benchmark's new processes: a CLI command as the user runs it, a no-op re-index, the app's first answer.

Each runs in a new Python process with the bench's settings (no LLM, the embedded store),
so a figure includes what a user waits for: imports, the model load, the first query.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from rag.config import Settings

APP_FILE = Path(__file__).resolve().parents[2] / "app.py"


def _env(settings: Settings) -> dict:
    """The environment of a CLI subprocess: these settings, no LLM, the embedded store."""
    env = dict(os.environ)
    env.update(
        RAG_DATA_DIR=str(Path(settings.data_dir).resolve()),
        RAG_CORPUS_DIR=str(Path(settings.corpus_dir).resolve()),
        RAG_EMBEDDING_MODEL=settings.embedding_model,
        CHROMA_HOST="",
        OPENAI_API_KEY="",
        OPENAI_BASE_URL="",
    )
    env.pop("RAG_DEBUG", None)
    return env


def _run(args: list[str], settings: Settings, cwd: Path, env: dict | None = None) -> tuple[float, dict]:
    """Run `python <args>` in a new process; its wall time and its JSON document."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], env=env or _env(settings), cwd=cwd, capture_output=True, text=True, timeout=900
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise RuntimeError(f"`{' '.join(args[:3])}` failed: {reason[:300]}")
    return wall, json.loads(done.stdout.strip().splitlines()[-1])


# `python -m rag ARGS` as the user runs it, reporting afterwards (on stderr, one tagged line)
# its peak memory and whether torch was imported; stdout stays the command's JSON.
_COMMAND = """
import json, resource, sys
from rag.cli import main
code = main(sys.argv[1:])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sys.stderr.write("\\nrag-bench " + json.dumps({"peak": peak, "torch": "torch" in sys.modules}) + "\\n")
sys.exit(code)
"""


def run_command(args: list[str], settings: Settings, cwd: Path) -> tuple[float, dict, dict]:
    """A new process's `python -m rag ARGS`: wall time, JSON document, {peak_rss_mb, torch}."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _COMMAND, *args],
        env=_env(settings),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise RuntimeError(f"`rag {' '.join(args[:2])}` failed: {reason[:300]}")
    tagged = [line for line in done.stderr.splitlines() if line.startswith("rag-bench ")]
    facts = json.loads(tagged[-1].removeprefix("rag-bench ")) if tagged else {"peak": 0, "torch": None}
    unit = 2**20 if sys.platform == "darwin" else 2**10
    return wall, json.loads(done.stdout), {"peak_rss_mb": round(facts["peak"] / unit, 1), "torch": facts["torch"]}


# A fresh Streamlit server's first answer: AppTest runs app.py as the server would, in a new
# process; the question is asked as soon as the first page is drawn.
_APP_FIRST_ANSWER = """
import json, sys, time
started = time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=600).run()
page_s = time.perf_counter() - started
at.chat_input[0].set_value(sys.argv[2]).run()
answer_s = time.perf_counter() - started
answered = any(m.name == "assistant" for m in at.chat_message) and not at.exception
print(json.dumps({"page_s": page_s, "answer_s": answer_s, "answered": answered, "torch": "torch" in sys.modules}))
"""


def app_first_answer(question: str, settings: Settings, cwd: Path) -> dict:
    """Seconds from a fresh app process to its first page and to its first offline answer."""
    env = _env(settings)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(APP_FILE.parent), env.get("PYTHONPATH", "")) if p)
    _, report = _run(["-c", _APP_FIRST_ANSWER, str(APP_FILE), question], settings, cwd, env=env)
    if not report["answered"]:
        raise RuntimeError("the app drew no answer")
    return report


_NOOP_REINDEX = """
import json, sys
from rag.config import Settings
from rag.indexing import build_index
report = build_index(Settings(), progress=False)
print(json.dumps({"seconds": report.seconds, "embedded": report.embedded,
                  "model_loaded": "sentence_transformers" in sys.modules or "torch" in sys.modules}))
"""


def noop_reindex(settings: Settings, cwd: Path) -> tuple[float, dict]:
    """A new process's re-index of an index that is up to date: wall time and its report."""
    return _run(["-c", _NOOP_REINDEX], settings, cwd)
