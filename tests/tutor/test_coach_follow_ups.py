"""Coach mode asks what an interviewer asks next: a study-bank follow-up the learner has not
seen, never the question just answered, checked against that follow-up's points; a model's
own follow-up is kept only when it does not reword the question just asked."""

from __future__ import annotations

import json

from conftest import make_settings, run_rag

from rag.llm import make_llm
from rag.study.follow_ups import rewords
from rag.tutor.conversation import Conversation
from rag.tutor.tutor import Tutor

DRIFT = "How do you handle data drift in production?"
Q8 = "mlops-interview-questions#q8"


def test_each_coach_question_is_a_new_bank_follow_up_and_never_the_question_just_asked(kb):
    tutor, conversation = Tutor(kb), Conversation()
    bank = kb.study_bank.of(Q8)
    asked = []
    for _ in range(len(bank.follow_ups)):
        answer = tutor.respond(conversation, DRIFT, style="coach").answer
        assert answer.coach_question in [f.question for f in bank.follow_ups]
        assert not rewords(kb.embedder, answer.coach_question, [DRIFT, kb.retriever.entry(Q8).title])
        follow_up = next(f for f in bank.follow_ups if f.question == answer.coach_question)
        assert [p.text for p in conversation.pending.points] == follow_up.checks
        asked.append(answer.coach_question)
        tutor.respond(conversation, "I am not sure.", style="coach")  # the reply closes the exchange
    assert len(set(asked)) == len(asked) == len(bank.follow_ups)


def test_every_entry_gets_an_interviewer_follow_up_offline(kb):
    tutor = Tutor(kb)
    for entry in kb.corpus.entries[:12]:
        answer = tutor.ask(entry.title, style="coach")
        if not answer.grounded or answer.check is None:
            continue
        own = answer.check.entry
        assert answer.coach_question in [f.question for f in kb.study_bank.of(own.source_id).follow_ups]
        assert answer.coach_question != own.title


def fake_model(server, tmp_path):
    settings = make_settings(
        tmp_path, OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-test-coach", RAG_LLM_MAX_RETRIES="0"
    )
    return make_llm(settings)


def test_a_model_follow_up_that_rewords_the_question_is_replaced_by_a_bank_one(kb, fake_llm, tmp_path):
    fake_llm.reply(f"Watch the inputs and alert on drift [1].\n\nCoach question: In your own words: {DRIFT}")
    answer = Tutor(kb, fake_model(fake_llm, tmp_path)).ask(DRIFT, style="coach")
    assert answer.mode == "llm"
    assert answer.coach_question in [f.question for f in kb.study_bank.of(Q8).follow_ups]
    assert answer.answer.endswith(f"**Coach question:** {answer.coach_question}")
    assert DRIFT not in answer.answer


def test_a_new_model_follow_up_is_kept_and_tied_to_the_points_it_asks_about(kb, fake_llm, tmp_path):
    question = "Which statistical test would you run on a categorical feature, and why?"
    fake_llm.reply(f"Compare distributions [1].\n\nCoach question: {question}")
    answer = Tutor(kb, fake_model(fake_llm, tmp_path)).ask(DRIFT, style="coach")
    assert answer.coach_question == question
    labels = [p.label for p in answer.check.points]
    assert "Monitoring" in labels and len(labels) <= 3


def test_cli_ask_in_coach_mode_names_the_coach_question(indexed_data_dir):
    result = run_rag(indexed_data_dir, "ask", DRIFT, "--mode", "coach", "--offline", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["coach_question"] and doc["coach_question"] != DRIFT
    assert doc["coach_question"] in doc["answer"]
