"""The index on a real Chroma server (`chroma run`): the same guarantees as an index folder."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time

import pytest

from provision_assistant.ingest.chroma_server import ServerIndex
from provision_assistant.ingest.errors import IndexNotReadyError
from provision_assistant.ingest.generations import open_index
from provision_assistant.ingest.pipeline import ingest
from provision_assistant.ingest.store import server_client
from tests.conftest import CORPUS
from tests.pdfs import SCHOOL_POLICY_PAGES, make_pdf

pytestmark = [pytest.mark.integration, pytest.mark.slow]
QUESTION = "pupil anxious about coming into school after a long absence"


@pytest.fixture
def on_server(settings, chroma_url, request):
    """Settings for an index on the session's Chroma server, in a collection of this test's own."""
    name = "t-" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:16]
    corpus = settings.corpus_dir
    corpus.mkdir()
    shutil.copy(CORPUS / "ncb-belonging-matters-programme-2025.txt", corpus)
    return settings.model_copy(update={"chroma_url": chroma_url, "collection": name})


def _names(settings) -> list[str]:
    prefix = f"{settings.collection}--gen-"
    client = server_client(settings)
    return sorted(
        c.name.removeprefix(f"{settings.collection}--")
        for c in client.list_collections()
        if c.name.startswith(prefix)
    )


def test_generations_on_the_server_are_switched_whole_and_pruned_unless_leased(on_server, embeddings):
    first = ingest([on_server.corpus_dir], on_server, lambda: embeddings).generation
    index = open_index(on_server)
    assert isinstance(index, ServerIndex) and index.current().name == first
    assert ingest([on_server.corpus_dir], on_server, lambda: embeddings).generation is None

    make_pdf(on_server.corpus_dir / "lunchtime-policy.pdf", SCHOOL_POLICY_PAGES)
    second = ingest([on_server.corpus_dir], on_server, lambda: embeddings).generation
    assert _names(on_server) == [first, second]  # the one before is kept: a server may be finishing on it

    lease = index.require_current().lease()  # a server reading the second generation
    (on_server.corpus_dir / "breakfast.md").write_text(
        "# Breakfast club\n\nFree from 8am.\n", encoding="utf-8"
    )
    third = ingest([on_server.corpus_dir], on_server, lambda: embeddings).generation
    (on_server.corpus_dir / "breakfast.md").unlink()
    fourth = ingest([on_server.corpus_dir], on_server, lambda: embeddings).generation
    assert _names(on_server) == [second, third, fourth]  # the leased one stays
    lease.release()
    (on_server.corpus_dir / "breakfast.md").write_text("# Breakfast club\n\nFree at 8am.\n", encoding="utf-8")
    fifth = ingest([on_server.corpus_dir], on_server, lambda: embeddings).generation
    assert _names(on_server) == [fourth, fifth]

    def broken_model():
        raise RuntimeError("model failed to load")

    (on_server.corpus_dir / "new.txt").write_text("A new document about a quiet room.", encoding="utf-8")
    with pytest.raises(RuntimeError):
        ingest([on_server.corpus_dir], on_server, broken_model)
    assert index.current().name == fifth and _names(on_server) == [fourth, fifth]


_DIES_HOLDING_A_LEASE = """
import sys, time
from provision_assistant.ingest.chroma_server import ServerIndex
from provision_assistant.ingest.settings import Settings
from provision_assistant.ingest.store import server_client
settings = Settings(chroma_url=sys.argv[1], collection=sys.argv[2])
index = ServerIndex(server_client(settings), settings.collection, lease_seconds=1.0)
lease = index.require_current().lease()
print("held", flush=True)
time.sleep(120)
"""


def test_a_lease_lapses_when_its_process_dies(on_server, embeddings):
    served = ingest([on_server.corpus_dir], on_server, lambda: embeddings).generation
    index = open_index(on_server)
    child = subprocess.Popen(
        [sys.executable, "-c", _DIES_HOLDING_A_LEASE, on_server.chroma_url, on_server.collection],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "held"
        time.sleep(1.5)  # longer than the lease: only its renewals keep it
        assert index.leased() == {served}
    finally:
        child.kill()
        child.wait()
    deadline = time.monotonic() + 10
    while index.leased():
        assert time.monotonic() < deadline, "the dead process's lease never lapsed"
        time.sleep(0.2)
    # The next ingest that switches forgets the lapsed lease.
    control = server_client(on_server).get_collection(f"{on_server.collection}--control")
    assert len(control.get(where={"kind": "lease"})["ids"]) == 1
    (on_server.corpus_dir / "quiet-room.md").write_text("# Quiet room\n\nOpen at lunch.\n", encoding="utf-8")
    ingest([on_server.corpus_dir], on_server, lambda: embeddings)
    assert control.get(where={"kind": "lease"})["ids"] == []


def test_a_server_that_does_not_answer_is_named(settings):
    unreachable = settings.model_copy(update={"chroma_url": "http://127.0.0.1:9"})
    with pytest.raises(
        IndexNotReadyError, match=r"http://127.0.0.1:9 \(PROVISIONS_CHROMA_URL\) does not answer"
    ):
        open_index(unreachable)


def test_answers_from_the_server_are_those_from_an_index_folder(on_server, settings, embeddings):
    from provision_assistant.retrieval.service import AnswerService

    make_pdf(on_server.corpus_dir / "lunchtime-policy.pdf", SCHOOL_POLICY_PAGES)
    ingest([on_server.corpus_dir], on_server, lambda: embeddings)
    ingest([settings.corpus_dir], settings, lambda: embeddings)
    from_server = AnswerService.from_settings(on_server, embeddings)
    from_folder = AnswerService.from_settings(settings, embeddings)
    try:
        for question in (QUESTION, "lunchtime clubs for a child who is alone at lunch"):
            assert from_server.ask(question).model_dump() == from_folder.ask(question).model_dump()
    finally:
        from_server.close()
        from_folder.close()
