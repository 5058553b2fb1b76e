"""The safeguarding examples, their vector cache and the nearest category, on hand-made vectors: no model."""

from __future__ import annotations

import numpy as np
import pytest

from provision_assistant.ingest.errors import ProvisionsError
from provision_assistant.ingest.settings import PACKAGE_ROOT
from provision_assistant.retrieval.safeguarding import load_rules
from provision_assistant.retrieval.triage_examples import (
    CategoryModel,
    Examples,
    cached_vectors,
    load_examples,
)

pytestmark = pytest.mark.unit


def examples(*disclosures: tuple[str, str]) -> Examples:
    return Examples.model_validate(
        {
            "disclosures": [{"text": t, "category": c} for t, c in disclosures],
            "near_misses": [{"text": "hit by a ball in PE"}],
        }
    )


def test_the_bundled_examples_name_only_known_categories_and_have_both_kinds():
    rules = load_rules(PACKAGE_ROOT / "prompts")
    bundled = load_examples(PACKAGE_ROOT / "prompts", rules.classifier.examples)
    bundled.check_categories(set(rules.categories), "safeguarding_examples.yaml")
    named = {e.category for e in bundled.disclosures}
    assert named == set(rules.categories)  # every kind of harm has examples to learn from
    assert len(bundled.near_misses) > len(bundled.disclosures) / 2


def test_an_unknown_category_is_named():
    with pytest.raises(ProvisionsError, match=r"examples\.yaml.*lost property"):
        examples(("lost his coat", "lost property")).check_categories({"neglect"}, "examples.yaml")


def test_the_digest_changes_with_any_example_or_label():
    one = examples(("dad hits him", "physical abuse"))
    assert one.digest() == examples(("dad hits him", "physical abuse")).digest()
    assert one.digest() != examples(("dad hit him", "physical abuse")).digest()
    moved = Examples(disclosures=one.near_misses, near_misses=one.disclosures)
    assert moved.digest() != one.digest()


def test_the_category_model_names_the_kind_of_harm_a_message_is_closest_to():
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    model = CategoryModel(vectors, ["neglect", "neglect", "self-harm", "self-harm"])
    assert model([1.0, 0.05]) == "neglect" and model([0.05, 2.0]) == "self-harm"
    with pytest.raises(ValueError, match="one category per example"):
        CategoryModel(vectors, ["neglect"])


def test_example_vectors_are_computed_once_and_a_damaged_cache_is_recomputed(tmp_path):
    calls = []

    def embed(texts):
        calls.append(list(texts))
        return [[float(len(t)), 1.0] for t in texts]

    first = cached_vectors(["a", "bb"], embed, tmp_path, "model-1")
    again = cached_vectors(["a", "bb"], embed, tmp_path, "model-1")
    assert np.array_equal(first, again) and len(calls) == 1
    cached_vectors(["a", "bb"], embed, tmp_path, "model-2")  # another model: other vectors
    assert len(calls) == 2
    for path in tmp_path.iterdir():
        path.write_bytes(b"not a numpy file")
    assert np.array_equal(cached_vectors(["a", "bb"], embed, tmp_path, "model-1"), first)
    assert len(calls) == 3
