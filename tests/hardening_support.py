"""Helpers for the hardening tests: run `python -m rag` the way a user does, and judge its output.

Every run is a real subprocess with a clean environment (no developer `.env`, no `RAG_DEBUG`,
no stray OpenAI or Chroma settings) and a hard timeout, so a hang fails the test instead of
the suite. What counts as a clean failure is written once here: a non-zero exit, one
`error:` line on stderr, no traceback or Rust panic anywhere, and the fake key nowhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: A key nobody could mistake for a real one, easy to grep for in any output.
SECRET = "sk-test-SECRET-hardening-1234"

#: Longer than any single CLI run needs, short enough that a hang is reported, not waited out.
CLI_TIMEOUT_S = 240

_TRACE_MARKERS = ("Traceback (most recent call last)", "panicked at", "stack backtrace")


@dataclass
class CliRun:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]

    def describe(self) -> str:
        return (
            f"`rag {' '.join(self.args)}` exited {self.returncode}\n"
            f"--- stdout\n{self.stdout[-3000:]}\n--- stderr\n{self.stderr[-3000:]}"
        )


def cli_env(data_dir: Path, corpus_dir: Path, **env: str) -> dict[str, str]:
    """The process environment minus anything the developer set for the tutor, plus `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "RAG_", "CHROMA_"))}
    clean.update({"RAG_DATA_DIR": str(data_dir), "RAG_CORPUS_DIR": str(corpus_dir), "OPENAI_API_KEY": ""})
    clean.update(env)
    return clean


def run_cli(*args: str, data_dir: Path, corpus_dir: Path, cwd: Path, stdin: str | None = None, **env: str) -> CliRun:
    """`python -m rag ARGS` in a subprocess, isolated from the developer's environment."""
    done = subprocess.run(
        [sys.executable, "-m", "rag", *args],
        cwd=cwd,
        env=cli_env(data_dir, corpus_dir, **env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
    )
    return CliRun(list(args), done.returncode, done.stdout, done.stderr)


def start_cli(*args: str, data_dir: Path, corpus_dir: Path, cwd: Path, **env: str) -> subprocess.Popen:
    """Like `run_cli`, but returns at once: for runs that must overlap. Collect with `finish`."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rag", *args],
        cwd=cwd,
        env=cli_env(data_dir, corpus_dir, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.rag_args = list(args)
    return process


def finish(process: subprocess.Popen) -> CliRun:
    try:
        stdout, stderr = process.communicate(timeout=CLI_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        raise AssertionError(f"`rag {' '.join(process.rag_args)}` hung\n{stderr[-2000:]}") from None
    return CliRun(process.rag_args, process.returncode, stdout, stderr)


def assert_no_trace(run: CliRun, secret: str = SECRET) -> None:
    """Nothing a user should never see: a traceback, a Rust panic, the API key."""
    for marker in _TRACE_MARKERS:
        assert marker not in run.stdout and marker not in run.stderr, run.describe()
    assert secret not in run.stdout and secret not in run.stderr, "the API key leaked into the output"


def assert_clean_error(run: CliRun, *words: str) -> str:
    """A failure the user can act on: non-zero exit, one `error:` line naming the problem."""
    assert run.returncode != 0, run.describe()
    assert_no_trace(run)
    assert len(run.error_lines) == 1, run.describe()
    line = run.error_lines[0]
    for word in words:
        assert word.lower() in line.lower(), run.describe()
    assert run.stdout.strip() == "", "a failed command printed a document on stdout"
    return line


def assert_json_answer(run: CliRun) -> dict:
    """A success: exit 0, exactly one JSON document on stdout, nothing alarming on stderr."""
    assert run.returncode == 0, run.describe()
    assert_no_trace(run)
    return run.json()


def fill_with_garbage(directory: Path, seed: int = 7) -> list[Path]:
    """Overwrite every file under `directory` with random bytes of the same size (plus a few)."""
    import random

    rng = random.Random(seed)
    files = sorted(p for p in Path(directory).rglob("*") if p.is_file())
    for path in files:
        size = path.stat().st_size + 16
        path.write_bytes(rng.randbytes(size))
    return files
