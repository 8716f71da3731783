"""The one list parse (corpus) and the one `Point` (rubric) that the quiz, the grader and the composer read."""

from __future__ import annotations

from pathlib import Path

from rag.corpus import load_corpus
from rag.entry import Entry
from rag.markdown_lists import ListItem, list_items
from rag.study.rubric import Point, key_points_of, rubric_points
from rag.text import clip, plain_text, split_sentences
from rag.tutor.entry_text import points_of

CORPUS = Path(__file__).resolve().parents[2] / "corpus"

NOTES = """# Drift

## How do you handle drift?

Watch it closely.

1. **Monitoring:** Compare live inputs with the training data.
   Use PSI or a KS test.
2. **Action:** Based on the diagnosis, act:
   * **Retraining:** Retrain on recent data.
   * **Data Correction:** Fix the upstream pipeline.
     - check the feed first
3. **Automation:** Trigger retraining from alerts.

* a plain bullet without a label
"""


def notes_entry(tmp_path: Path) -> Entry:
    (tmp_path / "notes.md").write_text(NOTES, encoding="utf-8")
    return load_corpus(tmp_path).entries[-1]


def test_the_corpus_keeps_each_list_item_with_its_nesting_and_numbering(tmp_path):
    entry = notes_entry(tmp_path)
    assert [(i.label, i.depth, i.ordered) for i in entry.items] == [
        ("Monitoring", 0, True),
        ("Action", 0, True),
        ("Retraining", 1, False),
        ("Data Correction", 1, False),
        ("", 2, False),
        ("Automation", 0, True),
        ("", 0, False),
    ]
    monitoring, action, retraining, correction, check_feed, _, plain = entry.items
    assert monitoring.text == "**Monitoring:** Compare live inputs with the training data. Use PSI or a KS test."
    assert retraining.parent == 1 and correction.parent == 1 and check_feed.parent == 3
    assert plain.text == "a plain bullet without a label" and plain.parent is None
    assert entry.key_points == ("Monitoring", "Action", "Retraining", "Data Correction", "Automation")


def test_a_hand_built_entry_gets_its_items_from_its_answer():
    entry = Entry("x#q1", 1, "What is drift?", "S", False, "*   **Data Drift:** inputs change.", ("Data Drift",))
    assert entry.items == (ListItem("Data Drift", "**Data Drift:** inputs change.", 0, False, None),)
    assert list_items("1. one\n2. two") == (ListItem("", "one", 0, True), ListItem("", "two", 0, True))


def test_a_nested_key_point_is_part_of_its_parent_not_a_point_of_its_own(tmp_path):
    points = rubric_points(notes_entry(tmp_path))
    assert [p.label for p in points] == ["Monitoring", "Action", "Automation"]
    action = points[1]
    assert action.text == (
        "Action: Based on the diagnosis, act: Retraining: Retrain on recent data. "
        "Data Correction: Fix the upstream pipeline. check the feed first"
    )
    assert action.nested == (
        (1, "**Retraining:** Retrain on recent data."),
        (1, "**Data Correction:** Fix the upstream pipeline."),
        (2, "check the feed first"),
    )
    assert action.index == 1 and action.children == (2, 3)
    assert action.markdown == "**Action:** Based on the diagnosis, act:"


def test_the_composer_reads_the_same_points(tmp_path):
    entry = notes_entry(tmp_path)
    assert points_of(entry) == key_points_of(entry, top_level_only=True) == rubric_points(entry)
    assert all(isinstance(p, Point) for p in points_of(entry))


def test_an_entry_without_key_points_is_covered_block_by_block():
    q25 = load_corpus(CORPUS).by_id()["mlops-interview-questions#q25"]
    points = rubric_points(q25)
    assert not q25.key_points and len(points) >= 2
    assert all("**" not in p.text and p.markdown for p in points)


def test_every_point_of_the_founding_file_is_plain_text():
    corpus = load_corpus(CORPUS)
    for entry in corpus.entries:
        for point in rubric_points(entry):
            assert point.text and "**" not in point.text and not point.text.startswith(("* ", "- "))


def test_text_helpers_strip_markdown_split_sentences_and_clip_at_a_word():
    assert plain_text("* **Set thresholds:** see [the docs](http://x)") == "Set thresholds: see the docs"
    assert split_sentences("**Monitoring:** Watch inputs. Alert on drift!\n- Retrain") == [
        "Monitoring: Watch inputs.",
        "Alert on drift!",
        "Retrain",
    ]
    assert clip("it works on my machine, they say", 18) == "it works on my…"
    assert clip("short", 18) == "short"
