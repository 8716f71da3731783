"""Text made safe for the app's Markdown: tags read as text, images become links, `$` stays."""

from conftest import make_settings

from rag.entry import Origin
from rag.rendering import (
    OFFLINE_STATUS,
    backend_status,
    choices_markdown,
    highlight_markers,
    one_line,
    origins_markdown,
    prompt_markdown,
    safe_markdown,
    safe_stream,
    split_coach_question,
)


def test_html_in_prose_shows_as_text():
    shown = safe_markdown('Intro <script>alert("x")</script> then <img src=x onerror=alert(1)>')
    assert "<script" not in shown and "<img" not in shown
    assert "&lt;script>" in shown and "&lt;img src=x onerror=alert(1)>" in shown


def test_code_is_left_exactly_as_written():
    text = "Run `docker run <image>` or:\n\n```yaml\nimage: <name>\ncost: $5\n```\n\nAfter <b>bold</b>"
    shown = safe_markdown(text)
    assert "`docker run <image>`" in shown
    assert "```yaml\nimage: <name>\ncost: $5\n```" in shown
    assert shown.endswith("After &lt;b>bold&lt;/b>")


def test_images_become_links_and_dollars_stay_literal():
    shown = safe_markdown("See ![chart](https://evil.example/x.png?q=secret) for $5 and $10")
    assert "![" not in shown
    assert "[image: chart](https://evil.example/x.png?q=secret)" in shown
    assert r"\$5 and \$10" in shown


def test_plain_markdown_is_unchanged():
    text = "**Monitoring:** track *latency* and [docs](https://example.com).\n\n- a < b is fine\n"
    assert safe_markdown(text) == text


def test_stream_escapes_tags_split_across_pieces():
    pieces = list(safe_stream(["Roll back <", "script>x", " ok !", "[i](u) $3"]))
    joined = "".join(pieces)
    assert "<script" not in joined and "&lt;script>" in joined
    assert "\\![i](u)" in joined and "\\$3" in joined


def test_markers_with_a_card_stand_out_and_links_are_untouched():
    shown = highlight_markers("Use the registry [1], see [3] and [docs](u) or [2](v).", [1, 2])
    assert "**[1]**" in shown
    assert "[3]" in shown and "**[3]**" not in shown
    assert "[docs](u)" in shown and "[2](v)" in shown


def test_origins_link_only_web_urls():
    shown = origins_markdown(
        [
            Origin("DataCamp", "Top questions", "https://datacamp.example/q"),
            Origin("Notes", "x", "javascript:alert(1)"),
            Origin("Book"),
        ]
    )
    assert "- DataCamp: [Top questions](https://datacamp.example/q)" in shown
    assert "javascript:" not in shown
    assert "- Notes" in shown and "- Book" in shown


class _LLM:
    def describe(self):
        return "gpt-test at http://user:sk-abcdefghijkl@127.0.0.1:9/v1"


def test_backend_status_says_offline_or_names_model_and_host_without_secrets(tmp_path):
    offline = make_settings(tmp_path)
    assert backend_status(offline, None) == OFFLINE_STATUS
    online = make_settings(tmp_path, OPENAI_API_KEY="sk-abcdefghijkl", OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    status = backend_status(online, _LLM())
    assert status.startswith("Using gpt-test at http://127.0.0.1:9/v1")
    assert "sk-abc" not in status and "user" not in status


def test_the_coach_question_is_taken_out_of_the_answer_only_when_it_is_there():
    answer = "Monitor the inputs [1].\n\n**Coach question:** What would you alert on?"
    assert split_coach_question(answer, "What would you alert on?") == (
        "Monitor the inputs [1].",
        "What would you alert on?",
    )
    assert split_coach_question("Monitor the inputs [1].", "What would you alert on?") == (
        "Monitor the inputs [1].",
        None,
    )
    assert split_coach_question(answer, None) == (answer, None)


def test_a_quiz_prompt_is_bold_and_its_excerpt_quoted():
    shown = prompt_markdown('Which question does this excerpt belong to?\n\n"Run <b>both</b> models."')
    assert shown == '**Which question does this excerpt belong to?**\n\n> "Run &lt;b>both&lt;/b> models."'
    assert prompt_markdown("What is drift?") == "**What is drift?**"


def test_graded_choices_mark_the_right_one_and_strike_a_wrong_pick():
    lines = choices_markdown(["Registry", "Docker", "Canary"], answer=2, chosen=0).split("  \n")
    assert lines[0].endswith("~~Registry~~") and ":red[" in lines[0]
    assert lines[2].endswith("**Canary**") and ":green[" in lines[2]
    assert ":gray[Docker]" in lines[1]


def test_one_line_collapses_space_and_cuts_at_a_word():
    assert one_line("a  b\nc") == "a b c"
    cut = one_line("word " * 40, limit=20)
    assert len(cut) <= 20 and cut.endswith("…") and "wor…" not in cut
