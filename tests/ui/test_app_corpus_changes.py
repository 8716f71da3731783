"""The app when the corpus folder holds oddities or changes under it, driven with `AppTest`.

A corpus folder is the learner's own: it can hold a pipe, a dangling link or a folder named
like a Markdown file, and `python -m rag index` can add files while the app runs. No page
may show a traceback for the first, and the sidebar must not call a stale index up to date.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from app_driver import (
    PROGRESS,
    QUIZ,
    ROLLBACK,
    SOURCES,
    ask,
    assert_no_failure,
    assistant_messages,
    configure,
    go_to,
    open_app,
    texts,
)
from conftest import CORPUS

NOTE = (
    "# My notes\n\n## Serving\n\n### Shadow deployment\n\nRun the new model beside the old one and "
    "compare outputs without serving them.\n\n### Feature stores\n\nA feature store keeps features "
    "consistent between training and serving.\n"
)
INTERVIEW = ":material/record_voice_over: Interview"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_no_page_shows_a_traceback_when_the_corpus_holds_pipes_bad_links_and_names_and_a_folder_named_md(
    monkeypatch, tmp_path
):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text(NOTE, encoding="utf-8")
    os.mkfifo(corpus / "pipe.md")
    (corpus / "gone.md").symlink_to(tmp_path / "nowhere.md")
    (corpus / "folder.md").mkdir()
    (corpus / "loop.md").symlink_to(corpus / "loop.md")
    (corpus / "zeros.md").symlink_to("/dev/zero")
    (corpus / os.fsdecode(b"bad-\xff-name.md")).write_text(NOTE, encoding="utf-8")
    configure(monkeypatch, tmp_path / "data", corpus)

    at = open_app()
    assert "2 entries" in texts(at.sidebar)
    for page in (QUIZ, INTERVIEW, SOURCES, PROGRESS):
        go_to(at, page)
        assert "2 entries" in texts(at.sidebar), page
    assert "Shadow deployment" in "\n".join(e.label for e in go_to(at, SOURCES).main.expander)


def index_from_the_command_line(data_dir, corpus) -> None:
    """`python -m rag index --offline` in another process, as a learner would run it beside the app."""
    env = {**os.environ, "RAG_DATA_DIR": str(data_dir), "RAG_CORPUS_DIR": str(corpus), "OPENAI_API_KEY": ""}
    env.pop("OPENAI_BASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "rag", "index", "--offline"], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr


def test_after_a_command_line_index_adds_files_the_sidebar_rechecks_and_rebuild_keeps_sessions_working(
    monkeypatch, tmp_path, fresh_data_dir
):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    configure(monkeypatch, fresh_data_dir, corpus)
    at = ask(open_app(), ROLLBACK)
    assert "36 entries" in texts(at.sidebar) and "up to date" in texts(at.sidebar)

    (corpus / "notes.md").write_text(NOTE, encoding="utf-8")
    index_from_the_command_line(fresh_data_dir, corpus)

    at.run()
    assert_no_failure(at)
    sidebar = texts(at.sidebar)
    assert "36 entries · " not in sidebar, sidebar  # never "36 entries · … · up to date" with 38 in the corpus
    assert "38 entries" in sidebar, sidebar

    at.sidebar.button[0].click().run()  # "Rebuild index"
    assert_no_failure(at)
    assert "38 entries" in texts(at.sidebar) and "up to date" in texts(at.sidebar)
    ask(at, "What is a shadow deployment?")
    assert "Shadow deployment" in texts(assistant_messages(at)[-1])
    ask(at, ROLLBACK)
    assert "Q10 · " in texts(assistant_messages(at)[-1])

    second = open_app()  # another session of the same server keeps working too
    ask(second, "What does a feature store keep consistent?")
    assert "Feature stores" in texts(assistant_messages(second)[-1])
