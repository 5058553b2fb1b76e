"""Index generations on a Chroma server, for several machines or app replicas (issue 16).

The same guarantees as an index folder (`generations`), kept in the server itself so
every machine sees them: each generation is its own collection, `<collection>--gen-...`;
a control collection, `<collection>--control`, holds one record naming the served
generation (switched in one upsert, once the new collection is complete) and one lease
record per serving process. A lease names the generation its process may still read and
an expiry that the process keeps renewing; a process that dies stops renewing, so its
lease lapses. An ingest removes only generations that are neither served, the one before,
nor named by a live lease.

Leases expire by the clocks of the machines that write and read them: keep them in
step (NTP), as any cluster's are.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from provision_assistant.ingest.errors import IndexNotReadyError
from provision_assistant.ingest.generations import KEEP_PREVIOUS, generation_stamp
from provision_assistant.ingest.store import get_collection

if TYPE_CHECKING:
    import chromadb

log = logging.getLogger(__name__)

_CURRENT = "current"
_LEASE = "lease"
_MARK = [1.0]  # control records hold metadata only, but Chroma keeps a vector with each


@dataclass(frozen=True)
class ServerGeneration:
    name: str
    collection: str
    index: ServerIndex = field(compare=False, repr=False)

    def client(self) -> chromadb.ClientAPI:
        return self.index.client

    def lease(self) -> ServerLease:
        return ServerLease(self.index, self.name)


class ServerIndex:
    """Generations of the index as collections on one Chroma server."""

    def __init__(self, client: chromadb.ClientAPI, collection: str, lease_seconds: float = 60.0) -> None:
        if lease_seconds <= 0:
            raise ValueError("lease_seconds must be positive")
        self.client = client
        self.collection = collection
        self.lease_seconds = lease_seconds
        self._prefix = f"{collection}--gen-"
        self._control = get_collection(client, f"{collection}--control", create=True)

    def _generation(self, name: str) -> ServerGeneration:
        return ServerGeneration(name, f"{self.collection}--{name}", self)

    def _names(self) -> list[str]:
        return sorted(c.name.removeprefix(f"{self.collection}--") for c in self._collections())

    def _collections(self) -> list:
        return [c for c in self.client.list_collections() if c.name.startswith(self._prefix)]

    def current(self) -> ServerGeneration | None:
        got = self._control.get(ids=[_CURRENT], include=["metadatas"])
        if not got["ids"]:
            return None
        name = got["metadatas"][0]["generation"]
        return self._generation(name) if name in self._names() else None

    def require_current(self) -> ServerGeneration:
        generation = self.current()
        if generation is None:
            raise IndexNotReadyError(
                f"the Chroma server holds no index for {self.collection!r} yet: run `provisions ingest` first"
            )
        return generation

    def new_generation(self) -> ServerGeneration:
        from chromadb.errors import ChromaError

        stamp = generation_stamp()
        for n in range(1000):
            generation = self._generation(f"gen-{stamp}-{n:03d}")
            try:
                # create, not get-or-create: a name another ingest took is refused, never shared
                get_collection(self.client, generation.collection, exclusive=True)
            except ChromaError:  # over HTTP, "already exists" comes as this, its kind in words only
                if generation.collection in {c.name for c in self._collections()}:
                    continue
                raise
            return generation
        raise RuntimeError(f"could not create a new index generation for {self.collection} on the server")

    def switch_to(self, generation: ServerGeneration) -> None:
        self._control.upsert(
            ids=[_CURRENT], embeddings=[_MARK], metadatas=[{"kind": _CURRENT, "generation": generation.name}]
        )
        log.info("now serving index %s from the Chroma server", generation.name)
        self._prune(keep={generation.name})

    def discard(self, generation: ServerGeneration) -> None:
        from chromadb.errors import NotFoundError

        with contextlib.suppress(NotFoundError):  # never made, or already gone: it is not there
            self.client.delete_collection(generation.collection)

    def leased(self) -> set[str]:
        """The generations some serving process may still read (its lease not yet lapsed)."""
        return self._leases()[0]

    def _leases(self) -> tuple[set[str], list[str]]:
        """The generations live leases name, and the ids of lapsed leases."""
        got = self._control.get(where={"kind": _LEASE}, include=["metadatas"])
        now = time.time()
        live = {m["generation"] for m in got["metadatas"] if m["expires"] > now}
        lapsed = [i for i, m in zip(got["ids"], got["metadatas"], strict=True) if m["expires"] <= now]
        return live, lapsed

    def _prune(self, keep: set[str]) -> None:
        older = [name for name in self._names() if name not in keep]
        held, lapsed = self._leases()
        if lapsed:  # the leases of processes that died: nothing renews them any more
            self._control.delete(ids=lapsed)
        for name in older[:-KEEP_PREVIOUS] if KEEP_PREVIOUS else older:
            if name in held:
                log.info("keeping index %s: a server is still reading it", name)
                continue
            self.discard(self._generation(name))

    def _renew(self, lease_id: str, generation: str) -> None:
        self._control.upsert(
            ids=[lease_id],
            embeddings=[_MARK],
            metadatas=[{"kind": _LEASE, "generation": generation, "expires": self._expiry()}],
        )

    def _expiry(self) -> float:
        return time.time() + self.lease_seconds

    def _end(self, lease_id: str) -> None:
        self._control.delete(ids=[lease_id])


class ServerLease:
    """A lease record on the Chroma server, renewed from a thread until released."""

    def __init__(self, index: ServerIndex, generation: str) -> None:
        self._index, self._generation = index, generation
        self._id = f"{_LEASE}-{uuid.uuid4().hex}"
        self._stop = threading.Event()
        index._renew(self._id, generation)
        self._thread = threading.Thread(target=self._keep, name=f"lease-{generation}", daemon=True)
        self._thread.start()

    def _keep(self) -> None:
        while not self._stop.wait(self._index.lease_seconds / 3):
            try:
                self._index._renew(self._id, self._generation)
            # A server briefly away: renew next time; the lease lapses only if it stays away.
            except Exception:
                log.warning("could not renew the lease on index %s", self._generation, exc_info=True)

    def release(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        try:
            self._index._end(self._id)
        except Exception:  # unreachable now: the record lapses by itself
            log.warning("could not end the lease on index %s; it will lapse", self._generation, exc_info=True)
