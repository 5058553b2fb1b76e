"""Shared fixtures: the real model and a real index of the real corpus, built once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from provision_assistant.ingest.settings import PACKAGE_ROOT, Settings

# postgres_server, postgres_url, postgres_database; chroma_url
pytest_plugins = ("tests.postgres", "tests.chroma_server")

CORPUS = PACKAGE_ROOT / "corpus"
FRAMEWORK = CORPUS / "northumberland-belonging-and-attending-framework-2025.txt"


@pytest.fixture(scope="session")
def embeddings():
    """The real all-MiniLM-L6-v2, loaded once per test session."""
    from provision_assistant.ingest.store import make_embeddings

    return make_embeddings(Settings())


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus")


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled corpus that a test may change."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, embeddings) -> Settings:
    """Settings pointing at an index of the bundled corpus, ingested once."""
    from provision_assistant.ingest.pipeline import ingest

    root = tmp_path_factory.mktemp("corpus-index")
    shutil.copytree(CORPUS, root / "corpus")
    settings = Settings(index_dir=root / "index", corpus_dir=root / "corpus")
    report = ingest([settings.corpus_dir], settings, lambda: embeddings)
    assert report.ok, report.failures
    return settings


@pytest.fixture(scope="session")
def service(corpus_index, embeddings):
    from provision_assistant.retrieval.service import AnswerService

    return AnswerService.from_settings(corpus_index, embeddings)


@pytest.fixture(scope="session", autouse=True)
def safeguarding_classifier(request):
    """The safeguarding classifier and the relevance judge trained (first run: a few minutes) or
    loaded once, before any test that answers: a test server that had to train them first would
    not be ready in time."""
    if not any(item.get_closest_marker("integration") for item in request.session.items):
        return
    from provision_assistant.retrieval.relevance_judge import relevance_model
    from provision_assistant.retrieval.safeguarding import load_rules
    from provision_assistant.retrieval.service import make_triage

    settings = Settings()
    make_triage(settings, request.getfixturevalue("embeddings"), load_rules(settings.prompts_dir))
    relevance_model(settings, request.getfixturevalue("embeddings"))
