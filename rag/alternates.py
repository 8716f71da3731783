"""Other ways to ask for each entry: the study bank's alternates, or generated ones for a user's notes.

The founding file's alternates are curated (`corpus/<name>.study.yaml`). A corpus file without
a bank (a user's own notes) can get alternates and glossary terms written by the configured
LLM at index time (`rag.generated_bank`); they are cached under the data dir by the entry's
content hash, so reading them here never calls a model and offline indexing is unchanged.
"""

from __future__ import annotations

from rag.config import Settings
from rag.corpus import Corpus
from rag.study_bank import GlossaryTerm, StudyBank, load_study_bank


def corpus_alternates(settings: Settings, corpus: Corpus, bank: StudyBank | None = None) -> dict[str, list[str]]:
    """`source_id` -> alternates: curated where a bank covers the entry, else cached generated ones."""
    from rag.generated_bank import GeneratedBank

    bank = bank if bank is not None else load_study_bank(corpus)
    alternates = bank.alternates()
    generated = GeneratedBank(settings.data_dir)
    for entry in corpus.entries:
        if entry.source_id not in alternates:
            cached = generated.cached(entry)
            if cached is not None and cached.alternates:
                alternates[entry.source_id] = list(cached.alternates)
    return alternates


def corpus_glossary(settings: Settings, corpus: Corpus, bank: StudyBank | None = None) -> list[GlossaryTerm]:
    """The banks' glossary plus the cached generated terms of entries no bank covers."""
    from rag.generated_bank import GeneratedBank

    bank = bank if bank is not None else load_study_bank(corpus)
    terms = list(bank.glossary)
    known = {t.term.lower() for t in terms}
    generated = GeneratedBank(settings.data_dir)
    for entry in corpus.entries:
        if entry.source_id in bank.entries:
            continue
        cached = generated.cached(entry)
        for term in cached.glossary if cached is not None else ():
            if term.term.lower() not in known:
                known.add(term.term.lower())
                terms.append(term)
    return terms
