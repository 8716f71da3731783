"""Study material to take away: an Anki deck of the study bank, and transcripts as Markdown.

Learners review with spaced repetition in Anki, so the deck is a real `.apkg` (written by
`genanki`): per entry its own question (back: the key points), every curated concept
question (back: the key, why, and the source sentence) and every interviewer follow-up
(back: what a good reply contains). Each note carries its source; note ids are stable
(`guid` from the source id and the item), so importing a newer deck updates the cards
instead of duplicating them.

A chat or interview transcript downloads as Markdown with its citations, so the learner
keeps the answers together with the entries they came from.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from pathlib import Path

import genanki

from rag.entry import Entry
from rag.errors import InvalidRequest
from rag.study.rubric import rubric_points

DECK_NAME = "MLOps Interview Tutor"
_MODEL_NAME = "MLOps Interview Tutor (question / answer / source)"
_CSS = ".card { font-family: sans-serif; font-size: 18px; text-align: left; } .source { color: #666; font-size: 14px; }"


def _stable_id(text: str) -> int:
    """Anki wants 31-bit-ish positive ids that never change for the same deck or model."""
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16) % (1 << 30) + (1 << 30)


MODEL = genanki.Model(
    _stable_id(_MODEL_NAME),
    _MODEL_NAME,
    fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "Source"}],
    templates=[
        {
            "name": "Card 1",
            "qfmt": "{{Question}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Answer}}<div class="source">{{Source}}</div>',
        }
    ],
    css=_CSS,
)


@dataclass(frozen=True)
class AnkiDeck:
    path: Path
    notes: int
    entries: int

    def to_json(self) -> dict:
        return {"path": str(self.path), "notes": self.notes}


def anki_notes(entry: Entry, bank_entry) -> list[genanki.Note]:
    """The notes of one entry: its own question, its concept questions and its follow-ups."""
    source = _e(f"Source: {entry.label} ({entry.source_id})")
    points = rubric_points(entry)
    back = "<ul>" + "".join(f"<li>{_e(' '.join(p.text.split()))}</li>" for p in points) + "</ul>"
    notes = [_note(entry, "question", _e(entry.title), back, source)]
    for index, mcq in enumerate(getattr(bank_entry, "mcqs", None) or []):
        letters = "".join(f"<li>{_e(choice)}</li>" for choice in mcq.choices)
        front = f'{_e(mcq.stem)}<ol type="a">{letters}</ol>'
        key = f"{chr(ord('a') + mcq.answer)}) {mcq.choices[mcq.answer]}"
        answer = f"<b>{_e(key)}</b><p>{_e(mcq.explanation)}</p><blockquote>{_e(mcq.source)}</blockquote>"
        notes.append(_note(entry, f"mcq/{index}", front, answer, source))
    for index, follow_up in enumerate(getattr(bank_entry, "follow_ups", None) or []):
        answer = "A good answer says:<ul>" + "".join(f"<li>{_e(c)}</li>" for c in follow_up.checks) + "</ul>"
        notes.append(_note(entry, f"follow-up/{index}", f"{_e(follow_up.question)}", answer, source))
    return notes


def write_anki_deck(kb, out: Path, topic: str | None = None) -> AnkiDeck:
    """Write the study bank's items (of `topic`, or of every entry) as an `.apkg` file."""
    out = Path(out)
    if out.suffix.lower() != ".apkg":
        raise InvalidRequest(f"an Anki deck file ends in .apkg (got {out.name!r})")
    if topic is not None and topic.strip():
        from rag.study.topics import resolve_topic

        resolved = resolve_topic(kb, topic)
        entries, name = resolved.entries, f"{DECK_NAME}::{resolved.name}"
    else:
        entries, name = list(kb.corpus.entries), DECK_NAME
    deck = genanki.Deck(_stable_id(name), name)
    for entry in entries:
        for note in anki_notes(entry, kb.study_bank.of(entry.source_id)):
            deck.add_note(note)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        genanki.Package(deck).write_to_file(str(out))
    except OSError as exc:
        raise InvalidRequest(f"cannot write {out} ({exc.strerror or type(exc).__name__})") from None
    return AnkiDeck(out, len(deck.notes), len(entries))


def anki_deck_bytes(kb, topic: str | None = None) -> tuple[bytes, int]:
    """The deck as bytes (for a download button) and its note count."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        deck = write_anki_deck(kb, Path(folder) / "deck.apkg", topic=topic)
        return deck.path.read_bytes(), deck.notes


def _note(entry: Entry, item: str, front: str, back: str, source: str) -> genanki.Note:
    return genanki.Note(
        model=MODEL,
        fields=[front, back, source],
        guid=genanki.guid_for(entry.source_id, item),
        tags=[_tag(entry.section)],
    )


def _tag(section: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in section).strip("_") or "notes"


def _e(text: str) -> str:
    return html.escape(text or "", quote=False)


# ---------------------------------------------------------------------------- transcripts


def chat_transcript_markdown(turns, title: str = "MLOps Interview Tutor: conversation") -> str:
    """A conversation as Markdown: each question, the answer, and the sources its markers cite.

    `turns` are objects with `message` (what the learner typed) and `answer` (an `Answer`
    with `answer` text and `citations` having `marker`, `title`, `source_id`).
    """
    lines = [f"# {title}"]
    for number, turn in enumerate(turns, start=1):
        answer = turn.answer
        lines += ["", f"## {number}. {turn.message.strip()}", "", answer.answer.strip()]
        citations = list(getattr(answer, "citations", None) or [])
        if citations:
            lines += ["", "Sources:"]
            lines += [f"- [{c.marker}] {c.title} (`{c.source_id}`)" for c in citations]
        elif not getattr(answer, "grounded", True):
            lines += ["", "_Not covered by the guide: no sources._"]
    return "\n".join(lines).rstrip() + "\n"
