"""The disclosure classifier's training and cache, with the real base model on a few examples."""

from __future__ import annotations

import pytest

from provision_assistant.ingest.settings import Settings
from provision_assistant.ingest.store import model_path
from provision_assistant.retrieval import triage_model
from provision_assistant.retrieval.safeguarding import ClassifierSettings
from provision_assistant.retrieval.triage_examples import Examples
from provision_assistant.retrieval.triage_model import cache_key, load_or_train

pytestmark = pytest.mark.integration
FEW = Examples.model_validate(
    {
        "disclosures": [
            {"text": "dad hits her with a belt", "category": "physical abuse"},
            {
                "text": "collapsed in the toilets, not breathing",
                "category": "medical emergency",
                "immediate": True,
            },
            {"text": "says uncle touches him at night", "category": "sexual abuse"},
            {"text": "comes in hungry and smells every day", "category": "neglect"},
        ],
        "near_misses": [
            {"text": "anxious about the canteen"},
            {"text": "lost his pencil case again"},
            {"text": "wants help with fractions"},
        ],
    }
)
QUICK = ClassifierSettings(epochs=1, batch_size=3, max_tokens=32)


def test_trained_once_then_loaded_from_the_cache_and_trained_again_when_an_example_changes(
    tmp_path, monkeypatch
):
    base = model_path(Settings())
    first = load_or_train(FEW, base, QUICK, tmp_path)
    judged = first.judge_all(["dad hits her", "fractions"])
    assert len(judged) == 2 and all(0 <= j.disclosure <= 1 and 0 <= j.immediate <= 1 for j in judged)
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == [f"triage-{cache_key(FEW, base, QUICK)}"]

    monkeypatch.setattr(triage_model, "train", lambda *a, **k: pytest.fail("trained although cached"))
    again = load_or_train(FEW, base, QUICK, tmp_path)
    assert again.judge_all(["dad hits her", "fractions"]) == judged

    changed = Examples(disclosures=FEW.disclosures[:2], near_misses=FEW.near_misses)
    assert cache_key(changed, base, QUICK) != cache_key(FEW, base, QUICK)
    assert cache_key(FEW, base, QUICK.model_copy(update={"route": 0.5})) == cache_key(FEW, base, QUICK)


def test_the_words_that_weighed_most_come_from_the_message(tmp_path):
    classifier = load_or_train(FEW, model_path(Settings()), QUICK, tmp_path)
    message = "y4 girl comes in hungry and smells"
    words = classifier.weigh_words(message)
    assert all(w in message for w in words)
    assert not {"girl", "y4", "comes"} & set(words)  # never a word that says nothing by itself
