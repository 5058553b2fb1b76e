"""Ingest into a real Chroma index with the real model: incremental, atomic, honest about failures."""

from __future__ import annotations

import shutil

import pytest

from provision_assistant.evals.hostile_pdf import bomb_pdf
from provision_assistant.ingest.generations import open_index
from provision_assistant.ingest.pipeline import ingest
from provision_assistant.ingest.store import get_collection
from tests.pdfs import SCHOOL_POLICY_PAGES, encrypt_pdf, make_pdf

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _stored(settings) -> dict[str, dict]:
    generation = open_index(settings).require_current()
    col = get_collection(generation.client(), generation.collection)
    got = col.get(include=["metadatas"])
    return dict(zip(got["ids"], got["metadatas"], strict=True))


class Counting:
    """Hands out the real model and counts how often ingest asked for it."""

    def __init__(self, model):
        self.model, self.calls = model, 0

    def __call__(self):
        self.calls += 1
        return self.model


@pytest.fixture
def small_corpus(tmp_path):
    """Two small documents: quick to embed, enough to see what changes."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(
        __import__("tests.conftest", fromlist=["CORPUS"]).CORPUS / "ncb-belonging-matters-programme-2025.txt",
        folder,
    )
    make_pdf(folder / "lunchtime-policy.pdf", SCHOOL_POLICY_PAGES)
    return folder


def test_reingesting_an_unchanged_corpus_changes_nothing_and_loads_no_model(
    settings, corpus_index, embeddings
):
    before = _stored(corpus_index)
    generation = open_index(corpus_index).current()
    model = Counting(embeddings)
    report = ingest([corpus_index.corpus_dir], corpus_index, model)
    assert (report.added, report.removed, report.generation, model.calls) == (0, 0, None, 0)
    assert len(report.unchanged_documents) == 5
    assert open_index(corpus_index).current() == generation
    assert _stored(corpus_index) == before


def test_removing_a_document_removes_exactly_its_units(settings, small_corpus, embeddings):
    ingest([small_corpus], settings, lambda: embeddings)
    before = _stored(settings)
    (small_corpus / "lunchtime-policy.pdf").unlink()
    report = ingest([small_corpus], settings, Counting(embeddings))
    after = _stored(settings)
    gone = {uid for uid, meta in before.items() if meta["document"] == "lunchtime-policy"}
    assert gone and set(after) == set(before) - gone
    assert report.removed_documents == ["lunchtime-policy"] and report.removed == len(gone)


def test_a_changed_document_replaces_only_its_own_units(settings, small_corpus, embeddings):
    ingest([small_corpus], settings, lambda: embeddings)
    before = _stored(settings)
    ncb = small_corpus / "ncb-belonging-matters-programme-2025.txt"
    ncb.write_text(
        ncb.read_text(encoding="utf-8") + "\n\nA new closing paragraph about pupil voice.\n", "utf-8"
    )
    report = ingest([small_corpus], settings, lambda: embeddings)
    after = _stored(settings)
    pdf_ids = {uid for uid, m in before.items() if m["document"] == "lunchtime-policy"}
    assert pdf_ids <= set(after) and all(after[i] == before[i] for i in pdf_ids)
    assert report.added >= 1 and report.unchanged_documents == ["lunchtime-policy"]


def test_pdf_units_carry_their_page_numbers(settings, small_corpus, embeddings):
    ingest([small_corpus], settings, lambda: embeddings)
    pages = {m["page"] for m in _stored(settings).values() if m["document"] == "lunchtime-policy"}
    assert pages == {1, 2, 3}


def test_a_manifest_address_is_stored_with_its_document_units(settings, small_corpus, embeddings):
    url = "https://example-school.sch.uk/policies/lunchtime.pdf"
    (small_corpus / "manifest.yaml").write_text(
        f"documents:\n  lunchtime-policy.pdf:\n    url: {url}\n", encoding="utf-8"
    )
    ingest([small_corpus], settings, lambda: embeddings)
    by_document = {(m["document"], m.get("url")) for m in _stored(settings).values()}
    assert by_document == {("lunchtime-policy", url), ("ncb-belonging-matters-programme-2025", None)}


def test_bad_files_are_reported_and_the_rest_ingested(settings, small_corpus, embeddings, tmp_path):
    (small_corpus / "empty.txt").write_bytes(b"")
    (small_corpus / "latin1.txt").write_bytes("Café menu".encode("latin-1"))
    encrypt_pdf(make_pdf(tmp_path / "x.pdf", ["Secret"]), small_corpus / "locked.pdf")
    bomb_pdf(small_corpus / "bomb.pdf")
    report = ingest([small_corpus], settings, lambda: embeddings)
    reasons = {f.path.rsplit("/", 1)[-1]: f.reason for f in report.failures}
    assert sorted(reasons) == ["bomb.pdf", "empty.txt", "latin1.txt", "locked.pdf"]
    assert reasons["empty.txt"] == "the file is empty"
    assert reasons["latin1.txt"].startswith("is not UTF-8 text (byte 3)")
    assert reasons["locked.pdf"] == "the PDF is encrypted; save an unprotected copy and ingest that"
    assert reasons["bomb.pdf"].startswith("a part of it inflates past the reader's safety limit")
    docs = {m["document"] for m in _stored(settings).values()}
    assert docs == {"ncb-belonging-matters-programme-2025", "lunchtime-policy"}


def test_a_file_that_breaks_keeps_its_last_good_units(settings, small_corpus, embeddings):
    ingest([small_corpus], settings, lambda: embeddings)
    before = _stored(settings)
    (small_corpus / "lunchtime-policy.pdf").write_bytes(b"%PDF-1.7 damaged on the way")
    report = ingest([small_corpus], settings, lambda: embeddings)
    assert [f.path.rsplit("/", 1)[-1] for f in report.failures] == ["lunchtime-policy.pdf"]
    assert _stored(settings) == before


def test_a_crash_mid_ingest_leaves_the_served_index_untouched(settings, small_corpus, embeddings):
    ingest([small_corpus], settings, lambda: embeddings)
    location = open_index(settings)
    served, before = location.current(), _stored(settings)
    (small_corpus / "new.txt").write_text("A new document about breakfast club.", encoding="utf-8")

    def broken_model():
        raise RuntimeError("model failed to load")

    with pytest.raises(RuntimeError):
        ingest([small_corpus], settings, broken_model)
    assert location.current() == served and _stored(settings) == before
    assert [p.name for p in settings.index_dir.glob("gen-*")] == [served.name]


def test_chroma_never_embeds_with_its_default_function(settings, small_corpus, embeddings, monkeypatch):
    """Chroma's default embedding function downloads a model; it must never run."""
    from chromadb.utils import embedding_functions

    def refuse(self, input):
        raise AssertionError("Chroma's default embedding function was called")

    monkeypatch.setattr(embedding_functions.DefaultEmbeddingFunction, "__call__", refuse)
    ingest([small_corpus], settings, lambda: embeddings)
    from provision_assistant.retrieval.service import AnswerService

    answer = AnswerService.from_settings(settings, embeddings).ask("pupil overwhelmed in the dining hall")
    assert answer.status == "answered"
