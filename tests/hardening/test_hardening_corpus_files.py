"""A messy corpus folder: only safe, regular files inside it are read; everything else is skipped and named.

A FIFO named `x.md` used to block every command forever; a dangling link, a link loop,
a folder named `dir.md`, a link to `/dev/zero` or a non-UTF-8 file name stopped every
command; a link out of the folder made `/etc/passwd` or a `.env` searchable (and sent it to
the model). Each now is one named problem, and the good files index and answer as before.
"""

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, make_settings
from hardening_support import assert_json_answer, run_cli

from rag.corpus import load_corpus
from rag.corpus_files import printable_name
from rag.markdown_entries import parse_markdown

pytestmark = pytest.mark.timeout(300)

GOOD = (
    "# Serving notes\n\n## Rollouts\n\n### Shadow deployment\n\n"
    "Run the new model beside the old one and compare outputs without serving them.\n"
)
LEAKED = "hunter2-db-password-XYZ"
ENV_FILE = (
    f"OPENAI_API_KEY=sk-live-abcdefghijklmnopqrstuvwx\nDB_PASSWORD={LEAKED}\nURL=https://admin:{LEAKED}@db.local/\n"
)


@pytest.fixture
def hazardous_corpus(tmp_path):
    """One good file beside every kind of path that must never be read."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / ".env").write_text(ENV_FILE, encoding="utf-8")
    (outside / "notes.md").write_text("# Outside\n\n## Private\n\nNot part of the corpus at all.\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.md").write_text(GOOD, encoding="utf-8")
    os.mkfifo(corpus / "pipe.md")
    (corpus / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    (corpus / "loop.md").symlink_to(corpus / "loop.md")
    (corpus / "dir.md").mkdir()
    (corpus / "zero.md").symlink_to("/dev/zero")
    (corpus / "system.md").symlink_to("/etc/passwd")
    (corpus / "env-link.md").symlink_to(outside / ".env")
    (corpus / "outside.md").symlink_to(outside / "notes.md")
    (corpus / ".hidden.md").write_text(GOOD, encoding="utf-8")
    (corpus / "config-notes.md").write_text("# Config\n\n" + ENV_FILE, encoding="utf-8")
    (corpus / "evil\nerror: forged line.md").write_text(GOOD, encoding="utf-8")
    fd = os.open(os.fsencode(str(corpus)) + b"/caf\xe9.md", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, GOOD.encode())
    os.close(fd)
    (corpus / "inside-link.md").symlink_to(corpus / "good.md")  # a link that stays inside is fine
    return corpus


SKIPPED = {
    "pipe.md": "not a regular file",
    "dangling.md": "broken link",
    "loop.md": "cannot be followed",
    "zero.md": "outside the corpus",
    "system.md": "outside the corpus",
    "env-link.md": "outside the corpus",
    "outside.md": "outside the corpus",
    ".hidden.md": "hidden",
    "config-notes.md": "secrets",
    "evil\\nerror: forged line.md": "control characters",
    "caf\\xe9.md": "not valid UTF-8",
}


def test_every_hazard_is_skipped_and_named_and_the_good_files_are_read(hazardous_corpus):
    corpus = load_corpus(hazardous_corpus)
    named = {printable_name(Path(p.path).name): p.reason for p in corpus.problems if p.skipped}
    for name, words in SKIPPED.items():
        assert name in named, f"{name!r} not reported: {named}"
        assert words in named[name], (name, named[name])
    assert {e.path.rsplit("/", 1)[-1] for e in corpus.entries} == {"good.md", "inside-link.md"}
    assert all("\n" not in p.message for p in corpus.problems)  # a name cannot forge a log line


def test_nothing_outside_or_secret_is_ever_in_an_entry(hazardous_corpus):
    text = json.dumps([(e.title, e.section, e.answer) for e in load_corpus(hazardous_corpus).entries])
    assert LEAKED not in text and "root:" not in text and "sk-live" not in text


def test_cli_index_search_and_ask_return_with_the_good_answer(hazardous_corpus, tmp_path):
    data = tmp_path / "data"
    index = run_cli("index", data_dir=data, corpus_dir=hazardous_corpus, cwd=tmp_path)
    assert index.returncode == 0, index.describe()
    assert "Traceback" not in index.stderr
    assert not [line for line in index.stderr.splitlines() if line.startswith("error:")], index.describe()
    search = assert_json_answer(
        run_cli("search", "shadow deployment", "--json", data_dir=data, corpus_dir=hazardous_corpus, cwd=tmp_path)
    )
    assert search["hits"][0]["title"] == "Shadow deployment"
    ask = run_cli(
        "ask",
        "what is the database password?",
        "--offline",
        "--json",
        data_dir=data,
        corpus_dir=hazardous_corpus,
        cwd=tmp_path,
    )
    assert ask.returncode == 0, ask.describe()
    assert LEAKED not in ask.stdout + ask.stderr and "sk-live" not in ask.stdout + ask.stderr


def test_a_subfolder_copy_of_the_founding_file_never_takes_its_ids(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "archive").mkdir(parents=True)
    shutil.copy(CORPUS / "mlops-interview-questions.md", corpus / "mlops-interview-questions.md")
    shutil.copy(CORPUS / "mlops-interview-questions.md", corpus / "archive" / "mlops-interview-questions.md")
    by_id = load_corpus(corpus).by_id()
    founding_q8 = by_id["mlops-interview-questions#q8"]
    assert founding_q8.path.endswith("corpus/mlops-interview-questions.md")
    assert founding_q8.question_number == 8
    assert "mlops-interview-questions#q8-2" not in by_id
    copies = [e for e in by_id.values() if e.source_id.startswith("archive/mlops-interview-questions#")]
    assert copies and all(e.question_number is None and not e.big_tech for e in copies)


def test_a_note_headed_like_a_curated_question_is_labelled_as_a_note(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "mlops-interview-questions.md", corpus / "mlops-interview-questions.md")
    (corpus / "my-notes.md").write_text(
        "# Notes\n\n### 8. How do you handle data drift in production? (Big Tech)\n\nRetrain every night.\n",
        encoding="utf-8",
    )
    entries = load_corpus(corpus).entries
    note = next(e for e in entries if e.path.endswith("my-notes.md"))
    assert note.question_number is None and not note.big_tech and not note.curated
    assert note.label.startswith("Note · ") and not note.label.startswith("Q8")
    real = next(e for e in entries if e.source_id == "mlops-interview-questions#q8")
    assert real.label.startswith("Q8 · ") and real.curated


@pytest.mark.timeout(120)
def test_a_file_of_thousands_of_headings_parses_in_linear_time(tmp_path):
    """12,000 headings (~760 KB): one walk of the list tokens, not one per heading (that took many minutes)."""
    text = "".join(f"## Topic {i}\n\n- **Point {i}:** detail {i}\n- **Other:** more\n\n" for i in range(12_000))
    entries = parse_markdown(text, tmp_path / "big.md", curated=False)
    assert len(entries) == 12_000
    assert entries[11_999].key_points == ("Point 11999", "Other")


def test_settings_for_a_hazardous_corpus_build_an_index(hazardous_corpus, tmp_path, embedder):
    from rag.indexing import build_index

    report = build_index(make_settings(tmp_path / "data", hazardous_corpus), embedder, progress=False)
    assert report.entries == 2 and report.embedded > 0
    assert len([p for p in report.problems if p.skipped]) >= len(SKIPPED)
