"""The relevance judge with the real model: trained from examples, cached, and deciding answers."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from provision_assistant.retrieval.answer_model import Answer
from provision_assistant.retrieval.relevance_examples import RelevanceExamples
from provision_assistant.retrieval.relevance_train import TrainingSettings, load_or_train

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _shown(answer: Answer) -> str:
    return " ".join(s.text for s in answer.suggestions).casefold()


def test_the_canteen_worry_gets_lunchtime_provisions_not_substance_misuse(service):
    answer = service.ask("Year 8 pupil anxious about the canteen")
    assert answer.status == "answered"
    shown = _shown(answer)
    assert "lunch" in shown or "quiet" in shown
    assert "sorted" not in shown and "substance" not in shown


def test_a_trans_pupil_unsafe_in_the_changing_rooms_gets_no_mobility_equipment(service):
    answer = service.ask("trans pupil in year 11 says they don't feel safe in the changing rooms or toilets")
    shown = _shown(answer)
    assert not any(word in shown for word in ("walking frame", "grab rail", "mobility"))


def test_an_eal_new_arrival_is_covered(service):
    answer = service.ask("new arrival in year 5 with hardly any english, where do we start")
    assert answer.status == "answered"
    assert any("eal" in s.text.casefold() or "english" in s.text.casefold() for s in answer.sources)


@pytest.mark.parametrize(
    "question", ["who orders the whiteboard pens for the maths block", "what's the VAT rate on minibus hire"]
)
def test_a_question_the_documents_do_not_cover_is_refused(service, question):
    assert service.ask(question).status == "not_covered"


def _tiny_examples() -> RelevanceExamples:
    texts = {
        "quiet": {"area": "Climate", "theme": "Sensory", "text": "Designated quiet area at lunchtimes."},
        "map": {"area": "Climate", "theme": "Physical", "text": "A map of the school for finding the way."},
        "mentor": {"area": "Peers", "theme": "Friendships", "text": "Peer mentors for pupils on their own."},
        "drugs": {
            "area": "Health",
            "theme": "Physical health",
            "text": "Referral to SORTED for substance misuse.",
        },
    }
    questions = [
        {"q": "y7 overwhelmed by the noisy canteen", "on_point": ["quiet"], "related": ["drugs"]},
        {"q": "keeps getting lost between lessons", "on_point": ["map"]},
        {"q": "on her own every playtime", "on_point": ["mentor"], "related": ["quiet"]},
        {"q": "vaping in the toilets", "on_point": ["drugs"]},
        {"q": "loud dinner hall upsets him", "on_point": ["quiet"]},
        {"q": "no friends at break", "on_point": ["mentor"]},
        {"q": "photocopier jammed"},
        {"q": "staff car park permits"},
        {"q": "new building, cant find rooms", "on_point": ["map"]},
        {"q": "weed in his bag", "on_point": ["drugs"]},
    ]
    return RelevanceExamples(texts=texts, questions=questions)


def test_the_judge_is_trained_once_kept_and_retrained_alike_when_its_cache_is_damaged(
    embeddings, tmp_path, caplog
):
    examples = _tiny_examples()
    settings = TrainingSettings(folds=2, epochs=3, candidates=5, neighbours=3)

    def embed(texts: list[str]) -> np.ndarray:
        return np.asarray(embeddings.embed_documents(texts))

    first = load_or_train(examples, embed, "minilm", settings, tmp_path)
    (cached,) = tmp_path.glob("relevance-*.pickle")
    again = load_or_train(examples, embed, "minilm", settings, tmp_path)
    assert np.array_equal(first.adapter.query, again.adapter.query)
    cached.write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING, logger="provision_assistant.retrieval.relevance_train"):
        retrained = load_or_train(examples, embed, "minilm", settings, tmp_path)
    assert "retraining the relevance judge" in caplog.text
    # The same examples, settings and seed give the same judge.
    assert np.allclose(first.adapter.query, retrained.adapter.query, atol=1e-5)
    assert len(retrained.on_point) == len(examples.questions)


def test_over_documents_no_example_names_the_searches_decide(settings, embeddings, caplog):
    from provision_assistant.ingest.pipeline import ingest
    from provision_assistant.retrieval.service import AnswerService

    settings.corpus_dir.mkdir()
    (settings.corpus_dir / "own.md").write_text(
        "# Lunchtimes\n\nA lunchtime buddy scheme helps pupils who find the dining hall hard.\n",
        encoding="utf-8",
    )
    assert ingest([settings.corpus_dir], settings, lambda: embeddings).ok
    with caplog.at_level(logging.WARNING, logger="provision_assistant.retrieval.service"):
        service = AnswerService.from_settings(settings, embeddings)
    assert service.judge is None and "relevance judge not used" in caplog.text
    assert service.ask("pupil finds the dining hall hard at lunchtime").status == "answered"


def test_every_example_names_passages_the_bundled_documents_hold(service):
    """A re-worded or re-parsed passage would silence the examples that name it."""
    assert service.judge.known == service.judge.answered


def test_a_councils_own_passage_beside_the_bundled_documents_is_suggested(settings, corpus_copy, embeddings):
    """The examples name only the bundled documents: a council's own is chosen by the searches."""
    from provision_assistant.ingest.pipeline import ingest
    from provision_assistant.retrieval.service import AnswerService

    (corpus_copy / "own-lunch.md").write_text(
        "# Lunchtime guidance\n\nA lunchtime buddy scheme pairs pupils who find the dining hall hard with a "
        "trained Year 10 buddy, who eats with them in a smaller room.\n",
        encoding="utf-8",
    )
    mixed = settings.model_copy(update={"corpus_dir": corpus_copy})
    assert ingest([corpus_copy], mixed, lambda: embeddings).ok
    service = AnswerService.from_settings(mixed, embeddings)
    assert service.judge is not None
    answer = service.ask("Year 8 pupil anxious about the canteen")
    assert any("buddy scheme" in s.text for s in answer.suggestions)
    assert "sorted" not in _shown(answer)
