"""End to end in a real browser: `streamlit run app.py` on a loopback port, driven by Playwright.

Playwright's own browser download cannot work here, so the test launches Debian's
`chromium` (`.ci/run` installs it with apt-get) and is skipped, saying why, without it.
Screenshots go to `tests/artifacts/` (git-ignored); with `UPDATE_SCREENSHOTS=1` they are
also copied to `docs/screenshots/` for the README.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import CORPUS, REPO

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "tests" / "artifacts"
DOCS_SCREENSHOTS = REPO / "docs" / "screenshots"
WAIT_MS = 240_000  # the first answer loads the embedding model in the server process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url(fresh_data_dir, tmp_path):
    """The app served by `streamlit run` on a free loopback port, offline, over a copy of the index."""
    port = free_port()
    env = {
        **os.environ,
        "RAG_DATA_DIR": str(fresh_data_dir),
        "RAG_CORPUS_DIR": str(CORPUS),
        "OPENAI_API_KEY": "",
        "OPENAI_BASE_URL": "",
        "CHROMA_HOST": "",
    }
    log_path = tmp_path / "streamlit.log"
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/_stcore/health", server, log_path)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_until_healthy(url: str, server: subprocess.Popen, log_path: Path, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log_path.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"streamlit did not become healthy in {timeout_s:.0f} s")


def save_screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    if os.environ.get("UPDATE_SCREENSHOTS"):
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / name)
    return path


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
def test_ask_then_take_a_quiz_in_the_browser(app_url):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(app_url)

            question = page.get_by_test_id("stChatInputTextArea")
            question.wait_for(timeout=WAIT_MS)
            question.fill("How would you roll back a model that misbehaves in production?")
            question.press("Enter")

            reply = page.get_by_test_id("stChatMessage").filter(has_text="Read the source answer")
            expect(reply).to_be_visible(timeout=WAIT_MS)
            expect(reply).to_contain_text("[1]")
            expect(reply).to_contain_text("Q10 · How would you handle model rollback in the MLOps lifecycle?")
            expect(reply).to_contain_text("Model Management")
            expect(reply).to_contain_text("Big Tech")
            page.set_viewport_size({"width": 1280, "height": 1400})  # the question, the answer and its card
            page.wait_for_timeout(800)  # let the layout settle before the picture
            shot = save_screenshot(page, "chat.png")
            page.set_viewport_size({"width": 1280, "height": 1000})
            assert shot.stat().st_size > 10_000
            body = page.inner_text("body")
            assert "Offline tutor" in body
            assert "Traceback" not in body

            page.get_by_role("tab", name="Quiz").click()
            page.get_by_role("button", name="Start the quiz").click()
            first = page.get_by_test_id("stRadio").or_(page.get_by_test_id("stTextArea")).first
            expect(first).to_be_visible(timeout=WAIT_MS)
            if page.get_by_test_id("stRadio").count():
                page.get_by_test_id("stRadioOption").first.click()
            else:
                page.get_by_test_id("stTextArea").locator("textarea").fill(
                    "Keep the previous version in the registry and switch back."
                )
            page.get_by_role("button", name="Check my answer").click()
            expect(page.get_by_role("button", name="Next question")).to_be_visible(timeout=WAIT_MS)
            expect(page.get_by_text("Read the source answer").first).to_be_visible()
            save_screenshot(page, "quiz.png")
            assert "Traceback" not in page.inner_text("body")
        finally:
            browser.close()
