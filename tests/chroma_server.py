"""A real Chroma server (`chroma run`, from the chromadb package) for the session's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from provision_assistant.evals.serving import running_chroma


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory) -> Iterator[str]:
    """One Chroma server for the session; each test keeps apart by a collection of its own."""
    with running_chroma(tmp_path_factory.mktemp("chroma-server") / "data") as url:
        yield url
