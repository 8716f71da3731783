"""What the pages share across sessions: settings, the model, the knowledge base, the LLM.

Heavy objects are built once per server with `st.cache_resource` and keyed by a hash of
the settings they depend on (hashed, so an API key never sits in a cache key). Imports of
`rag` modules stay inside the functions: the first page is drawn before the model loads.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from rag.config import Settings, load_settings
from rag.errors import log_unexpected, user_message

log = logging.getLogger("rag.app")

APP_DIR = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class AppContext:
    """What every page is given: the settings, the knowledge base, and the LLM (None: offline)."""

    settings: Settings
    kb: object  # rag.knowledge.KnowledgeBase
    llm: object | None  # rag.llm.ChatLLM


def app_settings() -> Settings:
    """Settings from the environment; relative folders that exist only next to the app (it was
    started from another directory: `streamlit run path/to/app.py`) are taken from there."""
    settings = load_settings()
    moved = {}
    for name in ("corpus_dir", "data_dir"):
        path = getattr(settings, name)
        if not path.is_absolute() and not path.exists() and (APP_DIR / path).exists():
            moved[name] = APP_DIR / path
    return settings.model_copy(update=moved) if moved else settings


@st.cache_resource(show_spinner=False)
def embedder(model_name_or_path: str):
    """One embedding model per server (it loads on first use, or in the background: `warm_up`)."""
    from rag.embeddings import Embedder

    return Embedder(model_name_or_path)


@st.cache_resource(show_spinner=False)
def warm_up(model_name_or_path: str, _model) -> threading.Thread:
    """Load the model once, in the background, after the first page is drawn (not before it)."""
    thread = threading.Thread(target=_load, args=(_model,), name="warm-embedder", daemon=True)
    thread.start()
    return thread


def _load(model) -> None:
    try:
        model.warm()  # the numpy encoder (~0.3 s), not torch
    except Exception as exc:  # the first search reports it properly
        if user_message(exc):
            log.warning("embedding model did not load: %s", user_message(exc))
        else:
            log_unexpected(log, exc, "loading the embedding model")


@st.cache_resource(show_spinner=False)
def knowledge_base(_settings: Settings, fingerprint: str):
    """One knowledge base per server and configuration (corpus, store, retriever)."""
    from rag.knowledge import KnowledgeBase

    return KnowledgeBase(_settings, embedder(_settings.embedding_model))


@st.cache_resource(show_spinner=False)
def chat_llm(_settings: Settings, fingerprint: str):
    from rag.llm import make_llm

    return make_llm(_settings)


@st.cache_resource(show_spinner=False)
def tutor(_kb, _llm, kb_key: int, llm_key: int):
    from rag.tutor.tutor import Tutor

    return Tutor(_kb, _llm)


@st.cache_resource(show_spinner=False)
def progress_store(path: str):
    """One progress store per server and file (its SQLite connection is shared under a lock)."""
    from rag.study.progress import ProgressStore

    return ProgressStore(path)


def fingerprint(settings: Settings, *names: str) -> str:
    """A cache key over the settings that matter (hashed, so the key never sits in a cache)."""
    values = [str(getattr(settings, n)) if n != "openai_api_key" else _secret(settings) for n in names]
    return hashlib.sha256("\x1f".join(values).encode()).hexdigest()


def _secret(settings: Settings) -> str:
    return settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""


def kb_for(settings: Settings):
    return knowledge_base(
        settings, fingerprint(settings, "data_dir", "corpus_dir", "embedding_model", "chroma_host", "chroma_port")
    )


def llm_for(settings: Settings):
    if not settings.llm_configured:
        return None
    return chat_llm(
        settings,
        fingerprint(settings, "openai_api_key", "openai_base_url", "chat_model", "llm_timeout_s", "llm_max_retries"),
    )


def tutor_for(app: AppContext):
    return tutor(app.kb, app.llm, id(app.kb), id(app.llm))


def progress_for(settings: Settings):
    return progress_store(str(settings.progress_path))
