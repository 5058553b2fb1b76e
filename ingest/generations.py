"""Index generations in a folder, and which one is served.

An index lives in `index_dir/<generation>/` and `index_dir/CURRENT` names the
generation being served. An ingest writes a new generation beside it and only
then replaces CURRENT (an atomic rename), so a reader never sees a half-built
index and a failed ingest leaves the served one as it was. A server holds a
lease (a shared file lock) on each generation it may still read; an ingest
tidies away only generations nobody holds.

`open_index` gives this, or the same on a Chroma server (`chroma_server`) when
PROVISIONS_CHROMA_URL is set: ingest and serving use whichever it gives.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from provision_assistant.ingest.errors import IndexNotReadyError
from provision_assistant.ingest.settings import Settings
from provision_assistant.ingest.store import persistent_client

if TYPE_CHECKING:
    import chromadb

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
KEEP_PREVIOUS = 1  # a running server may still hold the previous generation open


class Lease(Protocol):
    def release(self) -> None: ...


class Generation(Protocol):
    """One complete (or being written) copy of the index."""

    name: str
    collection: str  # the Chroma collection holding its units

    def client(self) -> chromadb.ClientAPI: ...

    def lease(self) -> Lease: ...


class Index(Protocol):
    """Where generations are kept, and the pointer to the served one."""

    def current(self) -> Generation | None: ...

    def require_current(self) -> Generation: ...

    def new_generation(self) -> Generation: ...

    def switch_to(self, generation: Generation) -> None: ...

    def discard(self, generation: Generation) -> None: ...


def open_index(settings: Settings) -> Index:
    """The Chroma server's generations if PROVISIONS_CHROMA_URL is set, else the index folder's."""
    if settings.chroma_url:
        from provision_assistant.ingest.chroma_server import ServerIndex
        from provision_assistant.ingest.store import server_client

        return ServerIndex(server_client(settings), settings.collection)
    return IndexLocation(settings.index_dir, settings.collection)


def generation_stamp() -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime())


@dataclass(frozen=True)
class LocalGeneration:
    path: Path
    collection: str

    @property
    def name(self) -> str:
        return self.path.name

    def client(self) -> chromadb.ClientAPI:
        return persistent_client(self.path)

    def lease(self) -> GenerationLease:
        return GenerationLease(self.path)


class IndexLocation:
    """Generations of the index under one folder, and the pointer to the served one."""

    def __init__(self, root: Path, collection: str) -> None:
        self.root = Path(root)
        self.collection = collection

    def current(self) -> LocalGeneration | None:
        pointer = self.root / CURRENT
        if not pointer.is_file():
            return None
        path = self.root / pointer.read_text(encoding="utf-8").strip()
        return LocalGeneration(path, self.collection) if path.is_dir() else None

    def require_current(self) -> LocalGeneration:
        generation = self.current()
        if generation is None:
            raise IndexNotReadyError(f"there is no index in {self.root} yet: run `provisions ingest` first")
        return generation

    def new_generation(self) -> LocalGeneration:
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = generation_stamp()
        for n in range(1000):
            path = self.root / f"gen-{stamp}-{n:03d}"
            if not path.exists():
                path.mkdir()
                return LocalGeneration(path, self.collection)
        raise RuntimeError(f"could not create a new index generation in {self.root}")

    def switch_to(self, generation: LocalGeneration) -> None:
        """Serve `generation` from now on, then tidy away old generations."""
        tmp = self.root / f".{CURRENT}.tmp"
        tmp.write_text(generation.name, encoding="utf-8")
        os.replace(tmp, self.root / CURRENT)
        log.info("now serving index %s", generation.name)
        self._prune(keep={generation.name})

    def discard(self, generation: LocalGeneration) -> None:
        shutil.rmtree(generation.path, ignore_errors=True)

    def _prune(self, keep: set[str]) -> None:
        generations = sorted(p for p in self.root.glob("gen-*") if p.is_dir() and p.name not in keep)
        for old in generations[:-KEEP_PREVIOUS] if KEEP_PREVIOUS else generations:
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
