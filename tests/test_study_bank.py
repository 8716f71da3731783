"""The study bank: schema, quote checks, and a broken bank file that never stops the corpus."""

from __future__ import annotations

import json

from conftest import CORPUS, REPO

from rag.corpus import load_corpus
from rag.study_bank import bank_path_for, load_study_bank, quoted_in

NOTES = """# Deployment notes

## Canary releases

**Answer:** A canary sends a small share of traffic to the new model first.

* **Traffic split:** Start with 5% of requests on the new version.
* **Rollback:** Switch all traffic back when error rates rise.
"""

SID = "notes#canary-releases"


def write_corpus(tmp_path, bank_text: str | None, suffix: str = ".study.yaml"):
    (tmp_path / "notes.md").write_text(NOTES, encoding="utf-8")
    if bank_text is not None:
        (tmp_path / f"notes{suffix}").write_text(bank_text, encoding="utf-8")
    return load_corpus(tmp_path)


GOOD = f"""
entries:
  "{SID}":
    alternates: ["How do I roll out a model to a few users first?", "canary"]
    points:
      Rollback: ["send every request back to the old version when errors climb"]
    misconceptions:
      - claim: "A canary sends all traffic to the new model at once."
        correction: "It starts with a small share of requests."
        source: "Start with 5% of requests on the new version."
    mcqs:
      - stem: "You want to expose a new fraud model to 5% of requests first. Which strategy?"
        choices: ["Canary release", "Big-bang release", "Batch scoring", "Offline evaluation"]
        answer: 0
        explanation: "A canary starts small."
        source: "A canary sends a small share of traffic to the new model first."
        difficulty: apply
    follow_ups:
      - question: "What metric tells you to stop the canary?"
        kind: failure
        checks: ["error rates rising on the canary"]
        key_points: ["Rollback"]
glossary:
  - term: "canary"
    expansion: "canary release"
    entries: ["{SID}"]
"""


def test_a_bank_beside_a_notes_file_is_loaded_and_checked(tmp_path):
    corpus = write_corpus(tmp_path, GOOD)
    assert bank_path_for(tmp_path / "notes.md") == tmp_path / "notes.study.yaml"
    (entry,) = [e for e in corpus.entries if e.source_id == SID]
    bank = load_study_bank(corpus)
    assert bank.problems == []
    item = bank.of(SID)
    assert item.alternates[0].startswith("How do I roll out")
    assert item.mcqs[0].choices[item.mcqs[0].answer] == "Canary release"
    assert item.follow_ups[0].kind == "failure"
    assert bank.glossary[0].names == ["canary", "canary release"]
    assert quoted_in("start with 5% of requests on the new version.", entry)
    assert bank.of("notes#nothing").alternates == []


def test_a_sequence_step_must_name_a_key_point_of_its_entry(tmp_path):
    steps = (
        '    sequence:\n      - {label: "Traffic split", names: [split]}\n      - {label: "Rollbak", names: [revert]}\n'
    )
    corpus = write_corpus(tmp_path, GOOD.replace("    mcqs:\n", steps + "    mcqs:\n", 1))
    bank = load_study_bank(corpus)
    assert [step.label for step in bank.of(SID).sequence] == ["Traffic split"]
    (problem,) = bank.problems
    assert "sequence step 'Rollbak'" in problem.message


def test_json_banks_work_too(tmp_path):
    import yaml

    corpus = write_corpus(tmp_path, json.dumps(yaml.safe_load(GOOD)), suffix=".study.json")
    assert load_study_bank(corpus).of(SID).alternates


def test_a_quote_that_is_not_in_the_entry_drops_that_item_and_says_so(tmp_path):
    corpus = write_corpus(tmp_path, GOOD.replace("Start with 5% of requests", "Start with 50% of requests"))
    bank = load_study_bank(corpus)
    assert bank.of(SID).misconceptions == []
    assert len(bank.of(SID).mcqs) == 1
    (problem,) = bank.problems
    assert "notes.study.yaml" in problem.message and "misconception" in problem.message


def test_a_broken_bank_file_is_named_and_skipped_and_the_corpus_still_loads(tmp_path):
    for broken, says in [
        ("entries: [unclosed", "not valid YAML"),
        ("entries:\n  x: 1\n", "schema"),
        ('entries:\n  "notes#canary-releases":\n    alternatez: ["typo in the field"]\n', "schema"),
        (
            'entries:\n  "notes#canary-releases":\n    mcqs:\n      - stem: "Too few choices here"\n'
            '        choices: ["a", "b"]\n        answer: 0\n        explanation: "x"\n        source: "y"\n',
            "schema",
        ),
        ("- just\n- a list\n", "mapping"),
    ]:
        corpus = write_corpus(tmp_path, broken)
        assert [e.source_id for e in corpus.entries] == [SID]
        bank = load_study_bank(corpus)
        assert bank.entries == {}
        (problem,) = bank.problems
        assert "notes.study.yaml" in problem.message and says in problem.message, problem.message


def test_an_entry_the_corpus_does_not_have_is_named(tmp_path):
    corpus = write_corpus(tmp_path, 'entries:\n  "notes#gone":\n    alternates: ["x"]\n')
    bank = load_study_bank(corpus)
    assert "notes#gone" in bank.problems[0].message


def test_the_founding_bank_is_complete_and_every_quote_is_in_its_entry():
    corpus = load_corpus(CORPUS)
    bank = load_study_bank(corpus)
    assert [p.message for p in bank.problems] == []
    founding = [e for e in corpus.entries if e.source_id.startswith("mlops-interview-questions#")]
    assert len(founding) == 36
    for entry in founding:
        item = bank.of(entry.source_id)
        assert len(item.alternates) >= 12, entry.source_id
        assert len(item.misconceptions) >= 3, entry.source_id
        assert len(item.mcqs) >= 3, entry.source_id
        assert len(item.follow_ups) >= 3, entry.source_id
        assert len({m.stem for m in item.mcqs}) == len(item.mcqs)
    assert len(bank.glossary) >= 20


def eval_questions() -> list[str]:
    rows = []
    for path in sorted((REPO / "eval").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and "question" in (row := json.loads(line)):
                rows.append(row["question"])
    return rows


def test_no_alternate_copies_an_evaluation_question(embedder):
    """Alternates are written from the corpus, never from an eval set: none is within cosine 0.95 of one."""
    bank = load_study_bank(load_corpus(CORPUS))
    alternates = [a for item in bank.entries.values() for a in item.alternates]
    questions = eval_questions()
    assert len(alternates) > 400 and len(questions) > 500
    similarity = embedder.embed(alternates) @ embedder.embed(questions).T
    worst = similarity.max(axis=1)
    copies = [(alternates[i], questions[int(similarity[i].argmax())]) for i in (worst >= 0.95).nonzero()[0]]
    assert copies == []
