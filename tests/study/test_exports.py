"""Exports and feedback: the Anki deck (a real .apkg), transcripts as Markdown with their
citations, and thumbs up/down stored in the progress database and counted by `progress`."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import run_rag

from rag.errors import InvalidRequest
from rag.study.exports import anki_notes, chat_transcript_markdown, write_anki_deck
from rag.study.progress import ProgressStore

REPO = Path(__file__).resolve().parents[2]
FOUNDING = "mlops-interview-questions#"


def notes_in(apkg: Path, folder: Path) -> int:
    """Open the deck as Anki does: a zip holding a SQLite collection with a `notes` table."""
    with zipfile.ZipFile(apkg) as archive:
        assert "collection.anki2" in archive.namelist()
        archive.extract("collection.anki2", folder)
    with sqlite3.connect(folder / "collection.anki2") as collection:
        return collection.execute("SELECT COUNT(*) FROM notes").fetchone()[0]


def test_the_deck_is_an_anki_collection_with_every_bank_item(kb, tmp_path):
    deck = write_anki_deck(kb, tmp_path / "mlops.apkg")
    founding = [e for e in kb.corpus.entries if e.source_id.startswith(FOUNDING)]
    expected = sum(len(anki_notes(e, kb.study_bank.of(e.source_id))) for e in kb.corpus.entries)
    assert deck.notes == expected == notes_in(deck.path, tmp_path)
    for entry in founding:  # held-out check: at least 3 notes per entry of the founding file
        assert len(anki_notes(entry, kb.study_bank.of(entry.source_id))) >= 3, entry.source_id
    assert deck.to_json() == {"path": str(tmp_path / "mlops.apkg"), "notes": expected}


def test_a_note_has_the_question_in_front_and_the_answer_and_source_behind(kb):
    entry = kb.retriever.entry(FOUNDING + "q8")
    bank = kb.study_bank.of(entry.source_id)
    notes = anki_notes(entry, bank)
    question, answer, source = notes[1].fields
    mcq = bank.mcqs[0]
    assert mcq.stem.split()[0] in question and all(c.split()[0] in question for c in mcq.choices)
    assert mcq.choices[mcq.answer].split()[0] in answer
    assert entry.source_id in source
    assert len({n.guid for n in notes}) == len(notes)
    assert [n.guid for n in anki_notes(entry, bank)] == [n.guid for n in notes]  # stable: re-import updates


def test_a_topic_deck_holds_only_that_topics_entries(kb, tmp_path):
    deck = write_anki_deck(kb, tmp_path / "drift.apkg", topic="Monitoring & Maintenance")
    members = [e for e in kb.corpus.entries if e.section == "Monitoring & Maintenance"]
    assert deck.entries == len(members)
    assert deck.notes == sum(len(anki_notes(e, kb.study_bank.of(e.source_id))) for e in members)


def test_a_deck_file_must_end_in_apkg(kb, tmp_path):
    with pytest.raises(InvalidRequest):
        write_anki_deck(kb, tmp_path / "deck.zip")


def test_cli_export_anki_prints_path_and_notes(indexed_data_dir, tmp_path):
    out = tmp_path / "deck.apkg"
    result = run_rag(indexed_data_dir, "export", "anki", "--out", str(out), "--topic", "drift", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["path"] == str(out) and doc["notes"] == notes_in(out, tmp_path) >= 3


def test_a_chat_transcript_lists_each_answer_with_its_citations():
    citation = SimpleNamespace(marker=1, title="How do you handle data drift?", source_id=FOUNDING + "q8")
    turns = [
        SimpleNamespace(
            message="what is drift?", answer=SimpleNamespace(answer="Inputs change [1].", citations=[citation])
        ),
        SimpleNamespace(
            message="bake bread?", answer=SimpleNamespace(answer="Not covered.", citations=[], grounded=False)
        ),
    ]
    text = chat_transcript_markdown(turns)
    assert "## 1. what is drift?" in text and "Inputs change [1]." in text
    assert f"- [1] How do you handle data drift? (`{FOUNDING}q8`)" in text
    assert "no sources" in text


def test_thumbs_are_stored_and_counted_across_sessions(tmp_path):
    path = tmp_path / "progress.sqlite3"
    store = ProgressStore(path)
    store.record_feedback(1, question="what is drift?", source_id=FOUNDING + "q8")
    store.record_feedback(0, question="how to roll back?", kind="interview")
    store.record_feedback(1, question="what is a registry?")
    store.close()
    again = ProgressStore(path)
    assert again.feedback_counts() == {"up": 2, "down": 1}
    assert again.report([]).to_json()["feedback"] == {"up": 2, "down": 1}
    with pytest.raises(ValueError):
        again.record_feedback(5)


def test_a_progress_file_from_before_feedback_gets_the_table_on_open(tmp_path):
    path = tmp_path / "progress.sqlite3"
    store = ProgressStore(path)
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE feedback")
    reopened = ProgressStore(path)
    assert reopened.problem is None
    reopened.record_feedback(0)
    assert reopened.feedback_counts() == {"up": 0, "down": 1}
