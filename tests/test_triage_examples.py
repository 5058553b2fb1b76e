"""The nearest-example check, on hand-made vectors: no model needed."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.triage_examples import Examples, ExampleSettings, ExampleTriage

pytestmark = pytest.mark.unit
SETTINGS = ExampleSettings(neighbours=1, min_similarity=0.5, margin=0.05)


def _triage() -> ExampleTriage:
    examples = Examples.model_validate(
        {
            "disclosures": [
                {"text": "dad hits him", "category": "physical abuse"},
                {"text": "knife at the gate now", "category": "weapon", "immediate": True},
            ],
            "near_misses": [{"text": "hit by a ball in PE"}],
        }
    )
    vectors = {
        "dad hits him": [1, 0, 0],
        "knife at the gate now": [0, 1, 0],
        "hit by a ball in PE": [0, 0, 1],
    }
    return ExampleTriage.from_examples(examples, lambda texts: [vectors[t] for t in texts], SETTINGS)


def test_close_to_a_disclosure_and_far_from_ordinary_worries_is_routed():
    match = _triage().match([0.9, 0.1, 0.2])
    assert match.category == "physical abuse" and match.immediate is False


def test_nearer_an_ordinary_worry_is_not_routed():
    assert _triage().match([0.6, 0.0, 0.62]).category is None


def test_far_from_everything_is_not_routed():
    assert _triage().match([0.3, 0.3, -0.9]).category is None


def test_danger_right_now_follows_the_nearest_example():
    match = _triage().match([0.1, 2.0, 0.0])  # any length: vectors are normalised
    assert match.category == "weapon" and match.immediate is True


def test_mismatched_vectors_are_refused():
    with pytest.raises(ValueError, match="one category per example"):
        ExampleTriage(np.eye(2), np.eye(2), ["only one"], SETTINGS)
