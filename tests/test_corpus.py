"""The Markdown parser: the founding Q&A file, a user's own notes, and files it must refuse."""

from __future__ import annotations

import re

import pytest
from conftest import CORPUS

from rag.corpus import load_corpus

FOUNDING = CORPUS / "mlops-interview-questions.md"


@pytest.fixture(scope="module")
def founding():
    corpus = load_corpus(CORPUS)
    assert corpus.problems == []
    return corpus


def numbered(corpus):
    return [e for e in corpus.entries if e.question_number is not None]


def test_the_founding_file_has_35_numbered_entries_in_8_sections(founding):
    entries = numbered(founding)
    assert [e.question_number for e in entries] == list(range(1, 36))
    assert len({e.source_id for e in founding.entries}) == len(founding.entries)
    assert entries[7].source_id == "mlops-interview-questions#q8"
    sections = list(dict.fromkeys(e.section for e in entries))
    assert sections == [
        "MLOps Fundamentals",
        "Model Management",
        "Testing & Deployment",
        "Monitoring & Maintenance",
        "CI/CD for ML",
        "Tools & Technologies",
        "Data Management",
        "Scalability & Performance",
    ]


def test_each_section_holds_the_questions_under_its_heading(founding):
    """Sections in the file are contiguous runs of question numbers; the parser keeps them so."""
    by_section: dict[str, list[int]] = {}
    for entry in numbered(founding):
        by_section.setdefault(entry.section, []).append(entry.question_number)
    assert by_section["Model Management"] == list(range(8, 15))
    assert by_section["Scalability & Performance"] == [34, 35]
    assert sum(len(v) for v in by_section.values()) == 35


def test_the_introduction_is_one_plain_unnumbered_entry(founding):
    intros = [e for e in founding.entries if e.question_number is None]
    assert len(intros) == 1
    intro = intros[0]
    assert intro.source_id == "mlops-interview-questions#what-is-mlops"
    assert intro.title == "What is MLOps?"
    assert intro.label == "What is MLOps?"
    assert intro.answer.startswith("MLOps (Machine Learning Operations)")
    # The guide's notes about itself are not knowledge.
    assert "designed for" not in intro.answer
    assert "How to use this guide" not in intro.answer


def test_big_tech_comes_from_the_tag_and_leaves_the_title(founding):
    tagged_headings = re.findall(r"^### \d+\..*\(Big Tech\)\s*$", FOUNDING.read_text(encoding="utf-8"), re.MULTILINE)
    big_tech = [e for e in founding.entries if e.big_tech]
    assert len(big_tech) == len(tagged_headings) == 16
    assert all("Big Tech" not in e.title for e in founding.entries)
    q1 = founding.by_id()["mlops-interview-questions#q1"]
    assert q1.big_tech and q1.title == "What is MLOps and how does it differ from traditional DevOps?"
    assert q1.label == "Q1 · What is MLOps and how does it differ from traditional DevOps?"
    assert not founding.by_id()["mlops-interview-questions#q4"].big_tech


def test_key_points_are_the_bold_lead_phrases_of_list_items(founding):
    q8 = founding.by_id()["mlops-interview-questions#q8"]
    assert q8.key_points[:5] == ("Monitoring", "Detection", "Diagnosis", "Action/Mitigation", "Retraining")
    assert "Automation" in q8.key_points
    # Each key point's full list item travels with it (the quiz and the grader read it).
    assert len(q8.key_point_texts) == len(q8.key_points)
    assert q8.key_point_texts[1].startswith("**Detection:** Set up automated alerts")
    assert founding.by_id()["mlops-interview-questions#q25"].key_points == ()


def test_origins_are_resolved_against_the_references_list(founding):
    q8 = founding.by_id()["mlops-interview-questions#q8"]
    assert [o.name for o in q8.origins] == ["FinalRoundAI", "Razorops"]
    assert q8.origins[0].url == "https://www.finalroundai.com/blog/mlops-interview-questions"
    assert q8.origins[0].title == "The 25 Most Common MLOps Interview Questions You Need to Know"
    for entry in numbered(founding):
        assert entry.origins, entry.source_id
        for origin in entry.origins:
            assert origin.url and origin.url.startswith("https://"), (entry.source_id, origin)


@pytest.mark.parametrize(
    "not_content",
    [
        "img.shields.io",  # badges
        "<div",
        "Table of Contents",
        "[Model Management](#model-management)",  # the TOC's links
        "Created with",  # footer
        "© 2025",
        "compiled from the following authoritative sources",  # References
        "mentorcruise.com",
        "(Source:",
        "**Answer:**",
    ],
)
def test_markup_and_apparatus_are_not_in_any_entry(founding, not_content):
    assert FOUNDING.read_text(encoding="utf-8").count(not_content) > 0  # it is in the file...
    for entry in founding.entries:  # ...but in no entry
        assert not_content not in entry.answer, entry.source_id
        assert not_content not in entry.title


def test_answers_keep_their_markdown_and_end_before_the_next_question(founding):
    q8 = founding.by_id()["mlops-interview-questions#q8"]
    assert "1.  **Monitoring:**" in q8.answer
    assert q8.answer.rstrip().endswith("to ensure timely adaptation.")
    assert "model versioning" not in q8.answer.lower()  # that is question 9
    q35 = founding.by_id()["mlops-interview-questions#q35"]
    assert q35.answer.rstrip().endswith("transparency, and accountability.")


def test_a_users_notes_file_is_split_by_its_headings(tmp_path):
    (tmp_path / "my-notes.md").write_text(
        "Loose thoughts before any heading.\n\n"
        "# Serving\n\n"
        "## Shadow deployment\n\nRun the new model beside the old one.\n\n"
        "```bash\n# not a heading: a shell comment\nkubectl apply -f shadow.yaml\n```\n\n"
        "## Empty heading\n\n"
        "## Feature stores\n\n- **Consistency:** the same features in training and serving.\n\n"
        "# Monitoring\n\n## Alerts\n\nPage someone when the error rate doubles.\n",
        encoding="utf-8",
    )
    corpus = load_corpus(tmp_path)
    assert corpus.problems == []
    by_title = {e.title: e for e in corpus.entries}
    assert list(by_title) == ["my notes", "Shadow deployment", "Feature stores", "Alerts"]
    shadow = by_title["Shadow deployment"]
    assert shadow.section == "Serving"
    assert shadow.question_number is None
    assert shadow.source_id == "my-notes#shadow-deployment"
    assert "kubectl apply" in shadow.answer and "# not a heading" in shadow.answer
    assert by_title["Feature stores"].key_points == ("Consistency",)
    assert by_title["Alerts"].section == "Monitoring"
    assert by_title["my notes"].answer == "Loose thoughts before any heading."


def test_a_notes_file_without_headings_is_one_entry_named_after_the_file(tmp_path):
    (tmp_path / "feature_store_notes.md").write_text(
        "Feature stores serve the same features online and offline.\n", encoding="utf-8"
    )
    (entry,) = load_corpus(tmp_path).entries
    assert entry.title == "feature store notes"
    assert entry.answer == "Feature stores serve the same features online and offline."


def test_repeated_headings_get_distinct_ids(tmp_path):
    (tmp_path / "notes.md").write_text("# A\n\n## Summary\n\none\n\n# B\n\n## Summary\n\ntwo\n", encoding="utf-8")
    ids = [e.source_id for e in load_corpus(tmp_path).entries]
    assert ids == ["notes#summary", "notes#summary-2"]


def test_unreadable_files_are_reported_by_name_and_the_rest_still_loads(tmp_path):
    (tmp_path / "good.md").write_text("# Good\n\n## Canary\n\nShip to 5% of traffic first.\n", encoding="utf-8")
    (tmp_path / "latin1.md").write_bytes("# Notes\n\nCaf\xe9 na\xefve r\xe9sum\xe9\n".encode("latin-1"))
    (tmp_path / "empty.md").write_text("  \n\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert [e.title for e in corpus.entries] == ["Canary"]
    reasons = {str(p).split(":")[0]: str(p) for p in corpus.problems}
    assert set(reasons) == {"latin1.md", "empty.md"}
    assert "UTF-8" in reasons["latin1.md"]
    assert "empty" in reasons["empty.md"]


def test_a_missing_corpus_directory_is_a_problem_not_a_crash(tmp_path):
    corpus = load_corpus(tmp_path / "nowhere")
    assert corpus.entries == []
    assert "not found" in str(corpus.problems[0])
