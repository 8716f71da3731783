"""The corpus: every safe Markdown file of a folder, parsed into `Entry` records.

Each file is found and read safely (`rag.corpus_files`), parsed (`rag.markdown_entries`:
a Q&A guide or a user's notes) and its parse cached between processes
(`rag.corpus_cache`). A file that cannot be read (not UTF-8, empty, too large) is reported
as a `CorpusProblem` and skipped, so one bad file never stops the rest of the corpus from
being indexed; a readable but suspicious one is indexed and reported too.

Ids are unique per path and stable: `stem#q8` for a file at the top of the corpus (the
founding file's ids never move), `folder/stem#q8` below it. Only a curated file (one
with a study bank beside it, or the founding file) gets question numbers and the Big Tech
badge: a note headed `### 8. ... (Big Tech)` is a note titled that way, not "Q8".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rag.corpus_cache import ParseCache
from rag.corpus_files import CorpusFileError, CorpusProblem, corpus_files, is_curated, read_markdown, source_prefix
from rag.entry import Entry
from rag.markdown_entries import content_warnings, parse_markdown


@dataclass
class Corpus:
    entries: list[Entry] = field(default_factory=list)
    problems: list[CorpusProblem] = field(default_factory=list)

    def by_id(self) -> dict[str, Entry]:
        return {e.source_id: e for e in self.entries}

    @property
    def sections(self) -> list[str]:
        return list(dict.fromkeys(e.section for e in self.entries))


def load_corpus(corpus_dir: Path, cache_dir: Path | None = None) -> Corpus:
    """Parse every safe `*.md` under `corpus_dir` (sorted, so ids and order are stable).

    With `cache_dir`, what each file parsed to is kept with its size and mtime
    (`corpus-cache.json`): an unchanged file is not read again by the next process, so a
    large corpus costs a `stat` per file on every command, not a parse.
    """
    corpus = Corpus()
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        corpus.problems.append(CorpusProblem(str(corpus_dir), "corpus directory not found"))
        return corpus
    paths, corpus.problems = corpus_files(corpus_dir)
    cache = ParseCache(cache_dir)
    for path in paths:
        prefix, curated = source_prefix(path, corpus_dir), is_curated(path, corpus_dir)
        cached = cache.unchanged(path, prefix, curated)
        if cached is None:
            try:
                text = read_markdown(path)
            except CorpusFileError as exc:
                corpus.problems.append(CorpusProblem(str(path), str(exc)))
                continue
            cached = cache.same_text(path, prefix, curated, text)
            if cached is None:
                entries = parse_markdown(text, path, prefix, curated)
                cached = entries, content_warnings(text) if entries else []
                cache.put(path, prefix, curated, text, *cached)
        entries, warnings = cached
        if not entries:
            corpus.problems.append(CorpusProblem(str(path), "no text to index"))
            continue
        corpus.entries.extend(entries)
        corpus.problems.extend(CorpusProblem(str(path), warning, skipped=False) for warning in warnings)
    cache.save(paths)
    _dedupe_ids(corpus.entries)
    return corpus


def _dedupe_ids(entries: list[Entry]) -> None:
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        n = seen.get(entry.source_id, 0)
        seen[entry.source_id] = n + 1
        if n:
            entries[i] = Entry(**{**entry.__dict__, "source_id": f"{entry.source_id}-{n + 1}"})
