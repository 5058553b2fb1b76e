"""The answer service the server uses, loaded in the background and swapped when an ingest finishes.

`provisions ingest` in another process writes a new index generation and
switches CURRENT to it; the server notices within `reload_seconds`, loads the
new generation beside the old one (reusing the loaded model) and then swaps.
Requests in flight finish on the service they started with.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import HTTPException

from provision_assistant.ingest.errors import ProvisionsError
from provision_assistant.ingest.generations import open_index
from provision_assistant.ingest.privacy import vocabulary_words
from provision_assistant.ingest.settings import Settings
from provision_assistant.retrieval.catalogue import catalogue_rows
from provision_assistant.ui.audit_book import AuditBook
from provision_assistant.ui.audit_store import AuditStore
from provision_assistant.ui.feedback import FeedbackStore

if TYPE_CHECKING:
    from provision_assistant.retrieval.service import AnswerService

log = logging.getLogger(__name__)
_ATTEMPTS = 3  # a new index that fails to load this often is broken, not unlucky


class ServiceHolder:
    """The answer service once it is loaded, or why it is not; swapped when a new index is ingested."""

    def __init__(self, database: str | Path, service: AnswerService | None = None) -> None:
        """`database`: where feedback and audits are kept (a URL, or a SQLite file's path)."""
        self.service = service
        self.error: str | None = None
        self._database = database
        self._feedback: FeedbackStore | None = None
        self._audits: AuditStore | None = None
        self._book: AuditBook | None = None
        self._book_for: AnswerService | None = None  # the service whose units the book lists
        self._previous: AnswerService | None = None  # requests may still be finishing on it
        self._failures: dict[str, int] = {}  # generation → failed loads; given up after _ATTEMPTS

    def load(self, settings: Settings) -> None:
        from provision_assistant.retrieval.service import AnswerService

        try:
            self.service = AnswerService.from_settings(settings)
            self.error = None
            log.info("model and index loaded (index %s)", self.service.generation)
        except ProvisionsError as exc:
            self.error = str(exc)
            log.error("cannot serve answers: %s", exc)

    def watch(self, settings: Settings, stop: threading.Event) -> None:
        """Serve each newly ingested index generation: an ingest never restarts the server."""
        index, unseen = None, False
        while not stop.wait(settings.reload_seconds):
            try:
                index = index or open_index(settings)
                current = index.current()
            # A background thread: a Chroma server briefly away must not end the watch.
            except Exception:
                if not unseen:
                    log.warning("cannot see which index is served; trying again", exc_info=True)
                index, unseen = None, True
                continue
            unseen = False
            if current is None or self._failures.get(current.name, 0) >= _ATTEMPTS:
                continue
            if self.service is None:
                if self.error is not None:  # there was no index at start-up; now there is
                    self.load(settings)
            elif current.name != self.service.generation:
                self.reload(settings, current.name)

    def reload(self, settings: Settings, generation: str) -> None:
        """Swap to `generation`; only called while a service is serving."""
        from provision_assistant.retrieval.service import AnswerService

        old = self.service
        try:
            fresh = AnswerService.from_settings(settings, old.embeddings)
        # A background thread: whatever went wrong, keep answering from the index already loaded.
        except Exception:
            log.exception("still serving index %s: index %s could not be loaded", old.generation, generation)
            self._failures[generation] = self._failures.get(generation, 0) + 1
            return
        self.service = fresh  # one assignment: each request sees the old or the new, never a mix
        self._feedback = self._audits = None  # their lists of the documents' words are rebuilt
        if self._previous is not None:
            self._previous.close()
        self._previous = old
        log.info("now serving index %s (%d units)", fresh.generation, len(fresh.units))

    def feedback(self) -> FeedbackStore:
        """The store, made once the documents' words are known (they are not pupils' names)."""
        if self._feedback is None:
            self._feedback = FeedbackStore(self._database, self._documents_words())
        return self._feedback

    def audits(self) -> AuditStore:
        """Whole-school audits, in the feedback's database, their notes redacted the same way."""
        if self._audits is None:
            self._audits = AuditStore(self._database, self._documents_words())
        return self._audits

    def audit_book(self) -> AuditBook:
        """Audits over the index being served (made again once a new index is)."""
        service = self.require()
        if self._book is None or self._book_for is not service:
            rows = catalogue_rows(service.units)
            self._book = AuditBook(rows, self.audits(), service.templates)
            self._book_for = service
        return self._book

    def _documents_words(self) -> frozenset[str]:
        return vocabulary_words(f"{u.metadata.get('section', '')} {u.text}" for u in self.require().units)

    def require(self) -> AnswerService:
        if self.service is None:
            detail = self.error or "the model and index are still loading; try again in a few seconds"
            raise HTTPException(status_code=503, detail=detail)
        return self.service
