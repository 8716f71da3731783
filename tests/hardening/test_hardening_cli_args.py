"""Bad command-line input gets one clear line on stderr and a non-zero exit, never a traceback.

Each case runs `python -m rag` in a subprocess against a private copy of the real index,
exactly as a user would type it.
"""

import pytest
from conftest import CORPUS
from hardening_support import assert_clean_error, assert_json_answer, run_cli

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def rag(fresh_data_dir, tmp_path):
    """`rag("search", ...)`: the CLI over a private copy of the real index."""

    def run(*args, **env):
        return run_cli(*args, data_dir=fresh_data_dir, corpus_dir=CORPUS, cwd=tmp_path, **env)

    return run


def test_unknown_section_names_the_valid_ones(rag):
    line = assert_clean_error(rag("search", "model drift", "--section", "Quantum Cooking", "--json"), "unknown section")
    assert "'Quantum Cooking'" in line
    assert "Monitoring & Maintenance" in line  # the message lists what would have worked


def test_section_names_are_matched_case_insensitively(rag):
    # BM25 only: the point is the section filter, and it spares loading the embedding model.
    doc = assert_json_answer(
        rag("search", "model drift", "--section", "monitoring & maintenance", "-k", "3", "--method", "bm25", "--json")
    )
    assert doc["hits"] and {h["section"] for h in doc["hits"]} == {"Monitoring & Maintenance"}


@pytest.mark.parametrize("k", ["0", "-5", str(10**9)])
def test_out_of_range_k_is_refused(rag, k):
    assert_clean_error(rag("search", "model drift", "-k", k, "--json"), "-k", k)


def test_non_numeric_k_is_a_usage_error(rag):
    run = rag("search", "model drift", "-k", "lots")
    assert run.returncode == 2
    assert "invalid int value" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("query", ["", "   \t  "])
def test_empty_or_blank_search_is_refused(rag, query):
    assert_clean_error(rag("search", query, "--json"), "empty")


def test_missing_questions_file_is_named(rag, tmp_path):
    missing = tmp_path / "no-such-questions.jsonl"
    line = assert_clean_error(rag("eval", "retrieval", "--questions", str(missing), "--json"), "not found")
    assert "no-such-questions.jsonl" in line


def test_malformed_questions_file_names_the_line(rag, tmp_path):
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        '{"question": "How do I roll back a model?", "expected": [10]}\n'
        "\n"
        '{"question": "What is drift?", "expected": [27]\n',  # line 3: the closing brace is missing
        encoding="utf-8",
    )
    line = assert_clean_error(rag("eval", "retrieval", "--questions", str(questions), "--json"), "not valid JSON")
    assert "questions.jsonl:3:" in line


@pytest.mark.parametrize(
    "bad_line, complaint",
    [
        ('{"expected": [10]}', "question"),
        ('{"question": "   ", "expected": [10]}', "question"),
        ('{"question": "What is drift?", "expected": []}', "expected"),
        ('{"question": "What is drift?", "expected": ["ten"]}', "expected"),
        ('["What is drift?", [10]]', "question"),
    ],
)
def test_questions_file_with_a_wrong_shape_names_the_line(rag, tmp_path, bad_line, complaint):
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        '{"question": "How do I roll back a model?", "expected": [10]}\n' + bad_line + "\n", encoding="utf-8"
    )
    line = assert_clean_error(rag("eval", "retrieval", "--questions", str(questions), "--json"), complaint)
    assert "questions.jsonl:2:" in line


def test_questions_file_that_is_not_utf8_is_refused(rag, tmp_path):
    questions = tmp_path / "latin1.jsonl"
    questions.write_bytes('{"question": "Qu\'est-ce que la dérive ?", "expected": [27]}\n'.encode("latin-1"))
    assert_clean_error(rag("eval", "retrieval", "--questions", str(questions), "--json"), "UTF-8")


def test_a_valid_questions_file_still_gives_metrics(rag, tmp_path):
    questions = tmp_path / "questions.jsonl"
    questions.write_text('{"question": "How would you handle model rollback?", "expected": [10]}\n', encoding="utf-8")
    doc = assert_json_answer(rag("eval", "retrieval", "--questions", str(questions), "--method", "bm25", "--json"))
    assert doc["n"] == 1 and 0.0 <= doc["mrr"] <= 1.0


def test_grade_with_an_unknown_source_id_names_it(rag):
    line = assert_clean_error(
        rag(
            "grade", "--source-id", "mlops-interview-questions#q999", "--reply", "use a registry", "--offline", "--json"
        ),
        "unknown source id",
    )
    assert "q999" in line


@pytest.mark.parametrize("n", ["0", "-3", "1000"])
def test_quiz_with_an_out_of_range_item_count_is_refused(rag, n):
    assert_clean_error(rag("quiz", "--topic", "Model Management", "-n", n, "--offline", "--json"), "-n", n)


@pytest.mark.parametrize("topic", ["", "   "])
def test_quiz_with_an_empty_topic_is_refused(rag, topic):
    assert_clean_error(rag("quiz", "--topic", topic, "--offline", "--json"), "empty topic")


def test_quiz_on_a_topic_the_notes_do_not_cover_says_what_would_work(rag):
    line = assert_clean_error(
        rag("quiz", "--topic", "underwater basket weaving", "-n", "3", "--offline", "--json"), "basket weaving"
    )
    assert "Model Management" in line and "weak spots" in line
