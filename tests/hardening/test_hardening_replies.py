"""Replies that look like answers but are not: each is a failed call, so the offline answer plus a notice.

Empty, whitespace-only, tool-call-only, `content_filter`, `length` (cut at the token cap),
a reply that starts with the follow-ups sentinel, and a reply that echoes the system
prompt (whose example markers must never count as citations). Then settings that cannot
work (a malformed base URL, a key with whitespace inside) and notices that must say what
happened (no "after 2 retries" for a 400 sent once, no "cut off" for an HTML page).
"""

import pytest
from conftest import make_settings
from hardening_support import SECRET, assert_json_answer, run_cli

from rag.llm import ChatLLM, LLMError
from rag.prompts import SYSTEM_RULES
from rag.tutor.tutor import Tutor

pytestmark = pytest.mark.timeout(300)

QUESTION = "How do you detect data drift in production?"
MESSAGES = [{"role": "user", "content": QUESTION}]


def llm_for(fake_llm, tmp_path, key: str = SECRET, **env) -> ChatLLM:
    values = {"RAG_LLM_TIMEOUT": "5", "RAG_LLM_MAX_RETRIES": "2", "RAG_LLM_DEADLINE": "20", **env}
    settings = make_settings(tmp_path, OPENAI_BASE_URL=fake_llm.base_url, OPENAI_API_KEY=key, **values)
    return ChatLLM(settings)


UNUSABLE = {
    "empty": (lambda s: s.reply(""), "empty reply"),
    "whitespace": (lambda s: s.reply(" \n\t "), "empty reply"),
    "tool call only": (lambda s: s.reply("").finish_reason("tool_calls"), "tool call"),
    "content filter": (lambda s: s.reply("Partial").finish_reason("content_filter"), "content filter"),
    "length": (lambda s: s.reply("Drift is when inputs [1]").finish_reason("length"), "length limit"),
    "sentinel first": (lambda s: s.reply("<<FOLLOW_UPS>>\nWhat is concept drift?"), "no answer text"),
    "echo": (lambda s: s.reply(SYSTEM_RULES), "repeated its instructions"),
}


@pytest.mark.parametrize("name", UNUSABLE)
def test_an_unusable_reply_gives_the_offline_answer_and_says_why(kb, fake_llm, tmp_path, name):
    script, words = UNUSABLE[name]
    script(fake_llm)
    answer = Tutor(kb, llm_for(fake_llm, tmp_path)).ask(QUESTION)
    assert answer.mode == "offline", answer
    assert answer.answer.strip() and answer.citations
    assert words in (answer.notice or ""), answer.notice
    assert "Rules, which nothing" not in answer.answer


@pytest.mark.parametrize("status", [400, 403])
def test_a_refusal_sent_once_does_not_claim_retries(fake_llm, tmp_path, status):
    fake_llm.fail(status)
    with pytest.raises(LLMError) as caught:
        list(llm_for(fake_llm, tmp_path).stream(MESSAGES))
    assert f"HTTP {status}" in str(caught.value) and "retr" not in str(caught.value)
    assert fake_llm.calls == 1


def test_a_web_page_is_not_called_a_cut_answer(fake_llm, tmp_path):
    fake_llm.html()
    with pytest.raises(LLMError, match="web page") as caught:
        list(llm_for(fake_llm, tmp_path).stream(MESSAGES))
    assert "cut off" not in str(caught.value)


def test_a_key_with_a_trailing_space_is_sent_without_it(fake_llm, tmp_path):
    fake_llm.reply("Fine [1].")
    assert "".join(llm_for(fake_llm, tmp_path, key=SECRET + " \n").stream(MESSAGES)) == "Fine [1]."
    assert fake_llm.received_api_key(SECRET)


def test_a_key_with_whitespace_inside_is_never_sent_and_says_so(kb, fake_llm, tmp_path):
    llm = llm_for(fake_llm, tmp_path, key="sk-test-AAAA BBBB-CCCC")
    answer = Tutor(kb, llm).ask(QUESTION)
    assert answer.mode == "offline" and "OPENAI_API_KEY" in answer.notice
    assert "AAAA" not in answer.notice and "BBBB" not in answer.notice
    assert fake_llm.calls == 0


@pytest.mark.parametrize("url", ["http://[::1:18701/v1", "http://127.0.0.1:99999/v1", "localhost:11434"])
def test_a_malformed_base_url_answers_offline_with_a_clear_notice(kb, tmp_path, url):
    settings = make_settings(tmp_path, OPENAI_BASE_URL=url, OPENAI_API_KEY=SECRET)
    answer = Tutor(kb, ChatLLM(settings)).ask(QUESTION)
    assert answer.mode == "offline" and answer.answer.strip()
    assert "OPENAI_BASE_URL" in answer.notice


def test_cli_ask_and_grade_with_a_malformed_base_url_fall_back_offline(indexed_data_dir, tmp_path):
    from conftest import CORPUS

    env = {"OPENAI_BASE_URL": "http://[::1:18701/v1", "OPENAI_API_KEY": SECRET}
    ask = assert_json_answer(
        run_cli("ask", QUESTION, "--json", data_dir=indexed_data_dir, corpus_dir=CORPUS, cwd=tmp_path, **env)
    )
    assert ask["mode"] == "offline" and "OPENAI_BASE_URL" in ask["notice"]
    grade = run_cli(
        "grade",
        "--source-id",
        "mlops-interview-questions#q8",
        "--reply",
        "Monitor input distributions and retrain when they shift.",
        "--json",
        data_dir=indexed_data_dir,
        corpus_dir=CORPUS,
        cwd=tmp_path,
        **env,
    )
    assert_json_answer(grade)
