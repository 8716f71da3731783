"""One error vocabulary: a `UserFacingError` is shown as written, anything else as a generic line.

The CLI is called in-process here (`rag.cli.main`) with a command whose handler fails, so
the test sees exactly what a user would on stderr and the exit code.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rag import cli
from rag.errors import InvalidRequest, UserFacingError, user_message

REPO = Path(__file__).resolve().parents[1]


def test_a_user_facing_message_is_shown_as_one_redacted_line():
    error = InvalidRequest("the key sk-abcdefghijklmnop was pasted\ninto RAG_TOP_K")
    assert user_message(error) == "the key [redacted] was pasted into RAG_TOP_K"


def test_any_other_error_has_no_message_for_the_user():
    assert user_message(ValueError("internal detail at /srv/app/x.py")) is None
    assert user_message(RuntimeError("boom")) is None


@pytest.mark.parametrize(
    "error, code, shown",
    [
        (InvalidRequest("-n must be between 1 and 50 (got 0)"), 2, "error: -n must be between 1 and 50 (got 0)"),
        (UserFacingError("the index is locked by another process"), 2, "error: the index is locked by another process"),
        (ValueError("math domain error in fuse()"), 1, "error: an unexpected ValueError stopped the command"),
        (KeyError("passages-x"), 1, "error: an unexpected KeyError stopped the command"),
    ],
)
def test_the_cli_prints_the_message_only_for_a_user_facing_error(monkeypatch, capsys, error, code, shown):
    def fail(args, settings):
        raise error

    monkeypatch.delenv("RAG_DEBUG", raising=False)
    monkeypatch.setattr(cli, "cmd_progress", fail)
    assert cli.main(["progress"]) == code
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(shown)
    if not isinstance(error, UserFacingError):
        assert str(error).strip("'") not in line


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_core_never_imports_the_app_and_the_faces_never_import_each_other():
    for path in (REPO / "rag").rglob("*.py"):
        imported = imported_modules(path)
        assert not {m for m in imported if m.split(".")[0] in ("streamlit", "ui")}, path
    for path in [REPO / "app.py", *(REPO / "ui").rglob("*.py")]:
        assert "rag.cli" not in imported_modules(path), path
