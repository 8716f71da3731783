import pytest

from fake_llm import FakeLLM


@pytest.fixture
def fake_llm():
    """An OpenAI-compatible fake chat server on 127.0.0.1 (see tests/fake_llm.py)."""
    server = FakeLLM()
    try:
        yield server
    finally:
        server.close()
