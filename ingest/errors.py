"""The domain errors of Provision Assistant. Turned into messages only at the edges."""

from __future__ import annotations

from pathlib import Path


class ProvisionsError(Exception):
    """Base for errors a user can act on; the message is meant for them."""


class IngestError(ProvisionsError):
    """One file (or the manifest) could not be ingested."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class IndexNotReadyError(ProvisionsError):
    """There is no index to answer from yet."""


class InvalidQuestionError(ProvisionsError):
    """The question is empty, too long or otherwise unusable."""
