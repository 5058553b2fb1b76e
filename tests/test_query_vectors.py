"""One model call per question: the typed and the searched question are embedded together."""

from __future__ import annotations

import pytest
from langchain_core.embeddings import Embeddings

from provision_assistant.retrieval.query_vectors import QueryVectors

pytestmark = pytest.mark.unit


class Counting(Embeddings):
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return [[float(len(t)), 1.0] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def test_primed_texts_cost_one_batch_and_are_answered_from_memory():
    model = Counting()
    vectors = QueryVectors(model)
    vectors.prime(["y8 canteen", "y8 canteen (dining hall)", "y8 canteen"])
    assert vectors.embed_query("y8 canteen") == [10.0, 1.0]
    assert vectors.embed_query("y8 canteen (dining hall)") == [24.0, 1.0]
    assert model.calls == [["y8 canteen", "y8 canteen (dining hall)"]]


def test_only_the_last_few_are_remembered():
    model = Counting()
    vectors = QueryVectors(model, remember=2)
    vectors.prime(["a", "bb"])
    vectors.prime(["ccc"])  # "a" is forgotten
    vectors.embed_query("a")
    assert model.calls[-1] == ["a"]
    with pytest.raises(ValueError, match="at least the two texts"):
        QueryVectors(model, remember=1)
