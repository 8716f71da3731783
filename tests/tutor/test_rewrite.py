"""With a model, a learner's scenario is retrieved as the interview question it is about.

Through the loopback fake server: the rewrite decides what is retrieved (the answer model
still reads the learner's words), the same message costs one rewrite call per process,
and a failing server gives the offline answer with one notice, without a second wait.
"""

from __future__ import annotations

from conftest import make_settings

from rag.llm import make_llm
from rag.prompts import REWRITE_SYSTEM
from rag.tutor.rewrite import clear_cache, is_narrative
from rag.tutor.tutor import Tutor

# Offline, this story retrieves deployment issues (Q18) first; it is about reproducibility (Q3).
SCENARIO = (
    "Two data scientists on our team trained the same notebook on the same laptop image last week and got "
    "different accuracy numbers, and now the product manager asks which one to ship. What went wrong?"
)
STANDALONE = "How do you make machine learning experiments reproducible?"


def fake_model(server, tmp_path):
    return make_llm(
        make_settings(
            tmp_path,
            OPENAI_BASE_URL=server.base_url,
            OPENAI_API_KEY="sk-test-REWRITE-1234567890",
            RAG_LLM_TIMEOUT="2",
            RAG_LLM_MAX_RETRIES="0",
        )
    )


def rewrite_requests(server) -> list[dict]:
    return [r for r in server.requests if r["messages"][0]["content"] == REWRITE_SYSTEM]


def test_a_scenario_is_retrieved_as_its_interview_question(kb, fake_llm, tmp_path):
    clear_cache()
    assert Tutor(kb).ask(SCENARIO).citations[0].question_number != 3  # what the rewrite fixes
    fake_llm.replies([STANDALONE, "Pin seeds, versions and data [1]."])
    answer = Tutor(kb, fake_model(fake_llm, tmp_path)).ask(SCENARIO)

    rewrite, answering = fake_llm.requests
    assert f"<message>\n{SCENARIO}\n</message>" in rewrite["messages"][-1]["content"]
    assert rewrite["max_tokens"] <= 200  # a short call
    assert f"<question>\n{SCENARIO}\n</question>" in answering["messages"][-1]["content"]  # the learner's words
    assert answer.mode == "llm" and answer.citations[0].question_number == 3


def test_the_same_scenario_is_rewritten_once_per_process(kb, fake_llm, tmp_path):
    clear_cache()
    fake_llm.replies([STANDALONE, "Pin seeds [1].", "Pin seeds [1]."])
    llm = fake_model(fake_llm, tmp_path)
    first = Tutor(kb, llm).ask(SCENARIO)
    second = Tutor(kb, llm).ask(SCENARIO)  # a new tutor, the same process
    assert len(rewrite_requests(fake_llm)) == 1 and fake_llm.calls == 3
    assert first.citations[0].question_number == second.citations[0].question_number == 3


def test_short_questions_are_not_rewritten(kb, fake_llm, tmp_path):
    clear_cache()
    fake_llm.reply("Pin seeds and versions [1].")
    question = "How do you ensure reproducibility of ML experiments?"
    assert not is_narrative(question)
    Tutor(kb, fake_model(fake_llm, tmp_path)).ask(question)
    assert fake_llm.calls == 1 and rewrite_requests(fake_llm) == []


def test_a_failing_server_gives_the_offline_answer_with_one_notice(kb, fake_llm, tmp_path):
    clear_cache()
    fake_llm.fail(500)
    answer = Tutor(kb, fake_model(fake_llm, tmp_path)).ask(SCENARIO)
    offline = Tutor(kb).ask(SCENARIO)
    assert answer.mode == "offline" and answer.grounded
    assert answer.answer == offline.answer and answer.citations == offline.citations
    assert answer.notice.count("Offline answer") == 1 and "500" in answer.notice
    assert fake_llm.calls == 1  # the answer call is not tried against the same failing server


def test_a_reply_that_is_not_a_question_leaves_retrieval_as_it_was(kb, fake_llm, tmp_path):
    clear_cache()
    fake_llm.replies(["Reproducibility means pinning seeds [1].", "Pin seeds [1]."])
    answer = Tutor(kb, fake_model(fake_llm, tmp_path)).ask(SCENARIO)
    offline = Tutor(kb).ask(SCENARIO)
    assert answer.mode == "llm" and fake_llm.calls == 2
    assert [c.source_id for c in answer.citations][:1] == [offline.citations[0].source_id]
