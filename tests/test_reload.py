"""Ingest while serving: the server moves to each new index without a failed or mixed answer."""

from __future__ import annotations

import shutil
import threading
import time

import httpx
import pytest

from provision_assistant.ingest.generations import GenerationLease, open_index
from provision_assistant.ingest.pipeline import ingest
from provision_assistant.ingest.store import server_client
from provision_assistant.ui.api import create_app
from tests.conftest import CORPUS
from tests.pdfs import SCHOOL_POLICY_PAGES, make_pdf
from tests.test_api import LiveServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]
QUESTION = "breakfast club for pupils who arrive late and hungry"
BREAKFAST = "# Breakfast club\n\nA free breakfast club from 8am helps pupils who arrive late and hungry.\n"


def test_a_leased_generation_is_held_until_released(tmp_path):
    generation = tmp_path / "gen-1"
    generation.mkdir()
    assert not GenerationLease.held(generation)
    lease = GenerationLease(generation)
    assert GenerationLease.held(generation)
    lease.release()
    assert not GenerationLease.held(generation)


class Asker:
    """Asks one question over and over from a thread, keeping every status and document set."""

    def __init__(self, base: str) -> None:
        self.base, self.seen, self._stop = base, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self._stop.is_set():
                response = client.post("/api/ask", json={"question": QUESTION})
                documents = frozenset(s["document"] for s in response.json().get("sources", []))
                self.seen.append((response.status_code, documents))

    def __enter__(self) -> Asker:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


def _wait_for_index(base: str, generation: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while httpx.get(f"{base}/healthz").json().get("index") != generation:
        assert time.monotonic() < deadline, f"the server never moved to {generation}"
        time.sleep(0.1)


@pytest.fixture(params=["folder", "chroma-server"])
def index_settings(request, settings):
    """The index in a folder, or on a real Chroma server (issue 16): the same guarantees."""
    if request.param == "folder":
        return settings
    url = request.getfixturevalue("chroma_url")
    return settings.model_copy(update={"chroma_url": url, "collection": "ingest-while-serving"})


def _kept(settings, generation: str) -> bool:
    if settings.chroma_url:
        client = server_client(settings)
        return f"{settings.collection}--{generation}" in {c.name for c in client.list_collections()}
    return (settings.index_dir / generation).is_dir()


def test_ingest_while_serving(index_settings, embeddings):
    from provision_assistant.retrieval.service import AnswerService

    settings = index_settings
    corpus = settings.corpus_dir
    corpus.mkdir()
    shutil.copy(CORPUS / "ncb-belonging-matters-programme-2025.txt", corpus)
    make_pdf(corpus / "lunchtime-policy.pdf", SCHOOL_POLICY_PAGES)
    first = ingest([corpus], settings, lambda: embeddings).generation
    location = open_index(settings)
    served = settings.model_copy(update={"reload_seconds": 0.1, "rate_limit": "1000000/minute"})
    app = create_app(served, AnswerService.from_settings(served, embeddings), chat=False)
    with LiveServer(app, served) as base, Asker(base) as asker:
        (corpus / "breakfast.md").write_text(BREAKFAST, encoding="utf-8")
        second = ingest([corpus], settings, lambda: embeddings).generation
        _wait_for_index(base, second)

        # A failed ingest changes nothing: the served index stays, and answers go on.
        (corpus / "broken.pdf").write_bytes(b"%PDF-1.7 damaged on the way")
        failed = ingest([corpus], settings, lambda: embeddings)
        assert failed.generation is None
        assert [f.reason.split(" (")[0] for f in failed.failures] == ["is not a readable PDF"]
        (corpus / "broken.pdf").unlink()

        before_removal = len(asker.seen)
        (corpus / "breakfast.md").unlink()
        third = ingest([corpus], settings, lambda: embeddings).generation
        # The server was still holding the first generation (requests may be finishing on it).
        assert _kept(settings, first)
        _wait_for_index(base, third)
        time.sleep(0.5)  # a few answers from the last index
    assert location.current().name == third
    statuses = {status for status, _ in asker.seen}
    assert statuses == {200}, f"{len(asker.seen)} requests"
    breakfast = "breakfast"
    with_it = [i for i, (_, docs) in enumerate(asker.seen) if breakfast in docs]
    assert with_it and with_it[0] < before_removal  # the new document was answered from...
    assert breakfast not in asker.seen[-1][1]  # ...and, once removed, no longer


def test_a_new_index_that_will_not_load_leaves_the_old_one_serving(tmp_path, service, caplog):
    from provision_assistant.ui.service_holder import ServiceHolder

    broken = tmp_path / "index" / "gen-broken"
    broken.mkdir(parents=True)  # a generation with no collection in it
    (tmp_path / "index" / "CURRENT").write_text(broken.name, encoding="utf-8")
    holder = ServiceHolder(tmp_path / "feedback.sqlite3", service)
    settings = service.settings.model_copy(update={"index_dir": tmp_path / "index"})
    for _ in range(3):
        holder.reload(settings, broken.name)
    assert holder.service is service
    assert holder.require().ask("Year 8 pupil anxious about the canteen").status == "answered"
    assert caplog.text.count("index gen-broken could not be loaded") == 3
