"""Quizzes: offline items for every topic, LLM items checked against the source, MCQ grading,
the terminal loop, and the `quiz` command's JSON contract."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_settings, run_rag

from rag.knowledge import KnowledgeBase
from rag.llm import ChatLLM
from rag.study.progress import ProgressStore
from rag.study.quiz import make_quiz
from rag.study.quiz_grading import grade_choice, grade_item, parse_choice
from rag.study.quiz_items import gives_key_away
from rag.study.quiz_terminal import run_interactive
from rag.study.rubric import plain_text, rubric_points
from rag.study.topics import TopicNotCovered
from rag.study_bank import StudyBank, quoted_in

REPO = Path(__file__).resolve().parents[2]
PREFIX = "mlops-interview-questions#"
NO_BANK = StudyBank()  # a corpus file without a study bank (a user's notes)


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).split())


def assert_sound(kb, item):
    """The checks a reviewer would make on one item: valid key, distinct and really wrong options."""
    entry = kb.retriever.entry(item.source_id)
    assert entry is not None and item.question_number == entry.question_number
    assert item.prompt.strip()
    if item.kind == "open":
        assert item.choices is None and item.answer is None
        if item.focus:
            assert item.focus in [p.label for p in rubric_points(entry)]
        return
    assert item.kind == "mcq"
    assert len(item.choices) == 4
    assert len({norm(c) for c in item.choices}) == 4, item.choices
    assert 0 <= item.answer < 4
    right = item.choices[item.answer]
    wrong = [c for i, c in enumerate(item.choices) if i != item.answer]
    assert not gives_key_away(item.prompt, item.choices, item.answer), (item.prompt, item.choices)
    assert "one of the key points" not in item.prompt
    if item.style in ("bank", "concept"):
        quoted = kb.retriever.entry(item.quote_source_id)
        assert quoted is not None and quoted_in(item.quote, quoted), (item.id, item.quote)
        assert item.quote in item.explanation
    if item.style == "bank":
        mcq = kb.study_bank.of(entry.source_id).mcqs[int(item.id.rsplit("/", 1)[1])]
        assert item.prompt == mcq.stem and sorted(item.choices) == sorted(mcq.choices)
        assert right == mcq.choices[mcq.answer]
    elif item.style == "concept":
        labels = [p.label for p in rubric_points(entry)]
        assert right in labels
        text = f" {norm(plain_text(entry.answer))} "
        for option in wrong:  # a sibling point, or a point the entry neither lists nor mentions
            assert option in labels or f" {norm(option)} " not in text, (entry.source_id, option)
    elif item.style == "excerpt":
        assert right == entry.title
        others = {e.title for e in kb.corpus.entries if e.source_id != entry.source_id}
        assert all(option in others for option in wrong)
    assert item.explanation


# ------------------------------------------------------------------------ offline items


def sections(kb):
    return list(dict.fromkeys(e.section for e in kb.corpus.entries))


def test_every_section_gets_sound_items_from_that_section_only(kb):
    for section in sections(kb):
        quiz = make_quiz(kb, section.lower(), n=6, seed=3)
        members = {e.source_id for e in kb.corpus.entries if e.section == section}
        assert quiz.topic == section
        assert quiz.items, section
        assert {item.source_id for item in quiz.items} <= members, section
        assert len({item.id for item in quiz.items}) == len(quiz.items)
        for item in quiz.items:
            assert_sound(kb, item)
        if len(members) > 1:
            assert {item.kind for item in quiz.items} == {"mcq", "open"}, section
            assert len({item.source_id for item in quiz.items}) > 1, section


def test_bank_questions_come_first_with_their_key_tracked_through_the_shuffle(kb):
    quiz = make_quiz(kb, "Model Management", n=4, seed=7)
    mcqs = [item for item in quiz.items if item.kind == "mcq"]
    assert mcqs and all(item.style == "bank" and item.origin == "bank" for item in mcqs)
    positions = {item.answer for item in make_quiz(kb, "Model Management", n=12, seed=8).items if item.kind == "mcq"}
    assert len(positions) > 1  # the key is not always in the bank's position
    for item in mcqs:
        assert_sound(kb, item)
        assert "The source" in item.explanation


def test_entries_without_bank_questions_get_concept_questions_from_their_points(kb):
    """A user's notes have no bank: description -> concept, wrong choices of the same kind."""
    for section in sections(kb):
        quiz = make_quiz(kb, section, n=6, seed=4, bank=StudyBank())
        for item in quiz.items:
            assert item.style != "bank"
            assert_sound(kb, item)
    quiz = make_quiz(kb, "Monitoring & Maintenance", n=6, seed=4, bank=StudyBank())
    concept = [item for item in quiz.items if item.style == "concept"]
    assert concept, [item.id for item in quiz.items]
    for item in concept:
        label = item.choices[item.answer]
        assert "___" in item.prompt or not (set(norm(label).split()) & set(norm(item.prompt).split()))


def test_the_give_away_check_catches_a_key_found_by_word_matching():
    assert gives_key_away("What is model or concept drift?", ["Concept Drift", "Rollback", "Caching", "Tracing"], 0)
    assert gives_key_away(
        "How do you automate retraining?", ["Retrain on a schedule", "Use a GPU", "Cache features", "Add logs"], 0
    )
    assert not gives_key_away(
        "Inputs shifted but their link to the label did not: what is this?",
        ["Data drift", "Concept drift", "Label leakage", "Training-serving skew"],
        0,
    )


def test_at_most_one_bank_question_in_twenty_gives_its_key_away(kb):
    mcqs = [mcq for bank in kb.study_bank.entries.values() for mcq in bank.mcqs]
    given_away = [mcq.stem for mcq in mcqs if gives_key_away(mcq.stem, mcq.choices, mcq.answer)]
    assert len(mcqs) >= 3 * 36
    assert len(given_away) * 20 <= len(mcqs), given_away


def test_offline_quizzes_on_every_section_quote_every_key_and_never_repeat_an_item(kb):
    total = 0
    for section in sections(kb):
        for bank in (None, StudyBank()):
            quiz = make_quiz(kb, section, n=10, seed=5, bank=bank)
            assert len({item.id for item in quiz.items}) == len(quiz.items)
            for item in quiz.items:
                assert_sound(kb, item)
                total += item.kind == "mcq"
    assert total >= 40


def test_a_topic_with_one_entry_says_how_many_items_it_could_make(kb):
    quiz = make_quiz(kb, "Introduction", n=12, seed=1)
    assert 1 <= len(quiz.items) < 12
    assert "only" in quiz.notice


def test_the_same_seed_gives_the_same_quiz_and_another_seed_another(kb):
    first = make_quiz(kb, "MLOps Fundamentals", n=5, seed=11).to_json()
    again = make_quiz(kb, "MLOps Fundamentals", n=5, seed=11).to_json()
    other = make_quiz(kb, "MLOps Fundamentals", n=5, seed=12).to_json()
    assert first == again
    assert first != other


def test_more_items_than_entries_reuses_entries_with_new_items(kb):
    quiz = make_quiz(kb, "Scalability & Performance", n=6, seed=2)
    assert len(quiz.items) == 6
    assert len({item.id for item in quiz.items}) == 6
    assert {item.source_id for item in quiz.items} == {PREFIX + "q34", PREFIX + "q35"}


def test_topics_are_matched_loosely_and_free_text_is_retrieved(kb):
    assert make_quiz(kb, "testing and deployment", n=2, seed=1).topic == "Testing & Deployment"
    assert make_quiz(kb, "ci/cd for ml", n=2, seed=1).topic == "CI/CD for ML"
    big_tech = make_quiz(kb, "Big Tech", n=8, seed=1)
    assert all(kb.retriever.entry(item.source_id).big_tech for item in big_tech.items)
    free = make_quiz(kb, "rolling back a bad model release", n=3, seed=1)
    assert free.topic_kind == "free_text"
    assert PREFIX + "q10" in {item.source_id for item in free.items}


@pytest.mark.parametrize("topic", ["how to bake sourdough bread", "   "])
def test_a_topic_the_sources_do_not_cover_is_refused_with_the_sections(kb, topic):
    with pytest.raises(TopicNotCovered) as caught:
        make_quiz(kb, topic, n=3, seed=1)
    assert isinstance(caught.value, ValueError)  # the CLI turns it into a one-line reason, exit 2


def test_weak_spots_serve_what_is_due_and_weakest_first(fresh_data_dir, embedder):
    kb = KnowledgeBase(make_settings(fresh_data_dir), embedder)
    store = ProgressStore(kb.settings.progress_path)
    quiz = make_quiz(kb, "Model Management", n=7, seed=4)
    by_source = {item.source_id: item for item in quiz.items}
    scores = {PREFIX + "q8": 0.1, PREFIX + "q9": 0.4, PREFIX + "q12": 1.0}
    for source_id, score in scores.items():
        store.record(by_source[source_id], type("G", (), {"score": score})())
    weak = make_quiz(kb, "my weak spots", n=2, seed=4)
    assert weak.topic == "my weak spots"
    assert [item.source_id for item in weak.items] == [PREFIX + "q8", PREFIX + "q9"]


def test_weak_spots_without_history_offer_unseen_questions_with_a_notice(fresh_data_dir, embedder):
    kb = KnowledgeBase(make_settings(fresh_data_dir), embedder)
    quiz = make_quiz(kb, "weak spots", n=3, seed=1)
    assert len(quiz.items) == 3
    assert "no weak spots yet" in quiz.notice


# ------------------------------------------------------------------------ grading items


def test_grade_choice_right_wrong_and_no_choice(kb):
    item = next(i for i in make_quiz(kb, "Model Management", n=7, seed=5).items if i.kind == "mcq")
    right = grade_choice(item, item.answer)
    assert right.score == 1.0 and right.correct and right.covered == [item.choices[item.answer]]
    assert item.source_id in right.feedback
    wrong_index = (item.answer + 1) % 4
    wrong = grade_choice(item, wrong_index)
    assert wrong.score == 0.0 and not wrong.correct and wrong.missed == [item.choices[item.answer]]
    assert item.choices[item.answer] in wrong.feedback and item.choices[wrong_index] in wrong.feedback
    assert grade_choice(item, None).score == 0.0
    assert grade_choice(item, 7).score == 0.0


def test_replies_to_a_choice_can_be_a_letter_a_number_or_the_text(kb):
    item = next(i for i in make_quiz(kb, "Model Management", n=7, seed=5).items if i.kind == "mcq")
    assert parse_choice(item, "b") == 1
    assert parse_choice(item, "C)") == 2
    assert parse_choice(item, "4") == 3
    assert parse_choice(item, f"  {item.choices[2].upper()} ") == 2
    assert parse_choice(item, "e") is None and parse_choice(item, "0") is None


def test_grade_item_grades_a_point_item_against_its_point(kb):
    quiz = make_quiz(kb, "Model Management", n=20, seed=6)
    item = next(i for i in quiz.items if i.style == "point")
    point = next(p for p in rubric_points(kb.retriever.entry(item.source_id)) if p.label == item.focus)
    grade = grade_item(kb, item, point.text)
    assert grade.covered == [item.focus] and grade.score >= 0.8


# ------------------------------------------------------------------------ with an LLM


def llm_for(fake, tmp_path):
    settings = make_settings(
        tmp_path,
        OPENAI_BASE_URL=fake.base_url,
        OPENAI_API_KEY="sk-test-quiz",
        RAG_LLM_MAX_RETRIES="0",
        RAG_LLM_TIMEOUT="2",
    )
    return ChatLLM(settings)


UNRELATED = [
    "Quantum annealing of the office plants",
    "Painting the server room blue",
    "Writing the release notes in Latin",
]


def generated_items(
    kb, right_index=0, wrong_options=UNRELATED, stem="Which of these does the answer to '{title}' recommend?"
):
    """A reply callable: items about the entry named in the request, with the key at `right_index`."""

    def reply(body):
        prompt = next(m["content"] for m in body["messages"] if '<source title="' in m["content"])
        title = re.search(r'<source title="(.*?)">', prompt).group(1)
        entry = next(e for e in kb.corpus.entries if e.title == title)
        label = rubric_points(entry)[0].label
        choices = [label, *(wrong_options(entry) if callable(wrong_options) else wrong_options)]
        return json.dumps(
            {
                "items": [
                    {
                        "kind": "mcq",
                        "question": stem.format(title=title, label=label),
                        "choices": choices,
                        "answer": right_index,
                    },
                    {"kind": "open", "question": f"In your own words: {title}"},
                ]
            }
        )

    return reply


def test_llm_items_that_pass_the_source_check_replace_offline_ones(kb, fake_llm, tmp_path):
    fake_llm.reply(generated_items(kb))
    quiz = make_quiz(kb, "Scalability & Performance", n=2, seed=1, llm=llm_for(fake_llm, tmp_path), bank=NO_BANK)
    assert [item.origin for item in quiz.items] == ["llm", "llm"]
    for item in quiz.items:
        entry = kb.retriever.entry(item.source_id)
        assert item.section == "Scalability & Performance"
        if item.kind == "mcq":
            assert item.choices[item.answer] == rubric_points(entry)[0].label
            assert sorted(item.choices) == sorted([rubric_points(entry)[0].label, *UNRELATED])
    assert fake_llm.last_request["response_format"] == {"type": "json_object"}
    assert quiz.to_json()["items"][0].keys() <= {
        "id",
        "kind",
        "prompt",
        "choices",
        "answer",
        "source_id",
        "question_number",
    }


def test_invalid_json_from_the_llm_is_asked_for_again(kb, fake_llm, tmp_path):
    good = generated_items(kb)
    fake_llm.replies(["this is not JSON at all", good])
    quiz = make_quiz(kb, "Scalability & Performance", n=1, seed=1, llm=llm_for(fake_llm, tmp_path), bank=NO_BANK)
    assert fake_llm.calls == 2
    assert quiz.items[0].origin == "llm"


def test_an_mcq_whose_three_choices_are_not_distinct_is_asked_for_again(kb, fake_llm, tmp_path):
    duplicate = generated_items(kb, wrong_options=["Caching", "caching", "Painting the server room blue"])
    fake_llm.replies([duplicate, generated_items(kb)])
    quiz = make_quiz(kb, "Scalability & Performance", n=1, seed=1, llm=llm_for(fake_llm, tmp_path), bank=NO_BANK)
    assert fake_llm.calls == 2
    assert quiz.items[0].origin == "llm"


def test_a_wrong_answer_key_is_caught_and_the_offline_item_kept(kb, fake_llm, tmp_path):
    fake_llm.reply(generated_items(kb, right_index=2))  # keys "Painting the server room blue"
    offline = make_quiz(kb, "Scalability & Performance", n=1, seed=1, bank=NO_BANK)
    quiz = make_quiz(kb, "Scalability & Performance", n=1, seed=1, llm=llm_for(fake_llm, tmp_path), bank=NO_BANK)
    assert quiz.items[0].kind == "mcq"
    assert quiz.items[0].origin == "offline"
    assert quiz.to_json()["items"] == offline.to_json()["items"]
    assert "failed the check against the source" in quiz.notice


def test_a_wrong_option_the_source_actually_states_is_caught(kb, fake_llm, tmp_path):
    def also_stated(entry):  # another real point of the same answer: two right answers
        return [rubric_points(entry)[1].label, *UNRELATED[:2]]

    fake_llm.reply(generated_items(kb, wrong_options=also_stated))
    quiz = make_quiz(kb, "Scalability & Performance", n=2, seed=1, llm=llm_for(fake_llm, tmp_path), bank=NO_BANK)
    mcqs = [item for item in quiz.items if item.kind == "mcq"]
    assert mcqs and all(item.origin == "offline" for item in mcqs)


def test_a_generated_item_whose_stem_gives_its_key_away_is_caught(kb, fake_llm, tmp_path):
    fake_llm.reply(generated_items(kb, stem="For '{title}', which of these is the {label} step?"))
    quiz = make_quiz(kb, "Scalability & Performance", n=1, seed=1, llm=llm_for(fake_llm, tmp_path), bank=NO_BANK)
    assert quiz.items[0].kind == "mcq" and quiz.items[0].origin == "offline"
    assert "failed the check against the source" in quiz.notice


def test_an_llm_that_fails_leaves_a_complete_offline_quiz_with_a_notice(kb, fake_llm, tmp_path):
    fake_llm.fail(500)
    quiz = make_quiz(kb, "Model Management", n=4, seed=9, llm=llm_for(fake_llm, tmp_path))
    assert quiz.to_json()["items"] == make_quiz(kb, "Model Management", n=4, seed=9).to_json()["items"]
    assert "offline items used" in quiz.notice and "HTTP 500" in quiz.notice
    assert fake_llm.calls == 1  # no call per entry after the model failed
    assert "sk-test-quiz" not in json.dumps(quiz.to_json())


# ------------------------------------------------------------------------ in a terminal


def test_the_terminal_quiz_asks_grades_shows_the_source_and_records(kb, tmp_path):
    quiz = make_quiz(kb, "CI/CD for ML", n=3, seed=2)
    replies = iter(
        ["b" if item.kind == "mcq" else "Run automated tests on code and data in CI." for item in quiz.items]
    )
    shown: list[str] = []
    store = ProgressStore(tmp_path / "progress.sqlite3")
    grades = run_interactive(kb, quiz, progress=store, read=lambda prompt: next(replies), write=shown.append)
    assert len(grades) == 3
    text = "\n".join(shown)
    assert all(item.source_id in text for item in quiz.items)
    assert "Done: 3 answered" in text
    assert [a.item_id for a in store.recent(10)] == [item.id for item in reversed(quiz.items)]


def test_an_empty_reply_in_the_terminal_is_asked_again_not_graded(kb, tmp_path):
    quiz = make_quiz(kb, "CI/CD for ML", n=2, seed=2)
    replies = iter(["", "   ", "b" if quiz.items[0].kind == "mcq" else "Automated tests in CI.", "q"])
    shown: list[str] = []
    store = ProgressStore(tmp_path / "progress.sqlite3")
    grades = run_interactive(kb, quiz, progress=store, read=lambda prompt: next(replies), write=shown.append)
    assert len(grades) == 1
    assert sum("no answer yet" in line for line in shown) == 2
    assert [a.item_id for a in store.recent(10)] == [quiz.items[0].id]


def test_the_terminal_quiz_stops_on_q_or_end_of_input(kb, tmp_path):
    quiz = make_quiz(kb, "CI/CD for ML", n=3, seed=2)
    store = ProgressStore(tmp_path / "progress.sqlite3")
    assert run_interactive(kb, quiz, progress=store, read=lambda prompt: "q", write=lambda line: None) == []

    def end_of_input(prompt):
        raise EOFError

    assert run_interactive(kb, quiz, progress=store, read=end_of_input, write=lambda line: None) == []
    assert store.recent(10) == []


# ------------------------------------------------------------------------ the CLI


def test_cli_quiz_prints_the_contract_json(indexed_data_dir):
    result = run_rag(
        indexed_data_dir, "quiz", "--topic", "model management", "-n", "4", "--seed", "5", "--offline", "--json"
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) == {"topic", "items"} and doc["topic"] == "Model Management"
    assert len(doc["items"]) == 4
    for item in doc["items"]:
        assert set(item) == (
            {"id", "kind", "prompt", "choices", "answer", "source_id", "question_number"}
            if item["kind"] == "mcq"
            else {"id", "kind", "prompt", "source_id", "question_number"}
        )
        assert item["source_id"].startswith(PREFIX)
        if item["kind"] == "mcq":
            assert 0 <= item["answer"] < len(item["choices"]) == 4


def test_a_quiz_interview_and_deck_never_load_torch(fresh_data_dir, tmp_path):
    """Queries go through the numpy encoder: a quiz process starts without the torch import."""
    replies = tmp_path / "replies.txt"
    replies.write_text("Monitor the input distributions.\n")
    script = (
        "import contextlib, io, sys\n"
        "from rag.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['quiz', '--topic', 'kubernetes', '-n', '4', '--offline', '--json']) == 0\n"
        f"    assert main(['interview', '--topic', 'drift', '-n', '1', '--replies', {str(replies)!r}, '--json']) == 0\n"
        f"    assert main(['export', 'anki', '--out', {str(tmp_path / 'deck.apkg')!r}, '--json']) == 0\n"
        "print('torch' in sys.modules)\n"
    )
    env = {**os.environ, "RAG_DATA_DIR": str(fresh_data_dir), "OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_difficulty_puts_the_bank_questions_of_that_kind_first(kb):
    quiz = make_quiz(kb, "Model Management", n=6, seed=3, difficulty="compare")
    for item in quiz.items:
        if item.style == "bank":
            kinds = {m.difficulty for m in kb.study_bank.of(item.source_id).mcqs}
            assert item.difficulty == "compare" or "compare" not in kinds, item.id
