"""Query embeddings computed together and remembered briefly, so one question costs one model call.

The safeguarding check embeds the question as typed and the dense search embeds
it with the school vocabulary added; embedded one at a time they cost two
forward passes of the model. `prime` embeds both in one batch, and the two
lookups that follow are answered from memory. It remembers only the last few
questions (enough for those being answered at once), so benchmarks that cycle
through a hundred questions gain nothing from it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from langchain_core.embeddings import Embeddings


class QueryVectors(Embeddings):
    """Wraps an embedding model; `embed_query` answers from what `prime` computed."""

    def __init__(self, model: Embeddings, remember: int = 64) -> None:
        if remember < 2:
            raise ValueError("QueryVectors must remember at least the two texts of one question")
        self.model = model
        self._remember = remember
        self._vectors: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()  # the server answers several questions at once

    def prime(self, texts: list[str]) -> None:
        """Embed in one batch whichever of `texts` are not remembered."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if not missing:
            return
        vectors = self.model.embed_documents(missing)
        with self._lock:
            for text, vector in zip(missing, vectors, strict=True):
                self._vectors[text] = vector
            while len(self._vectors) > self._remember:
                self._vectors.popitem(last=False)

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            vector = self._vectors.get(text)
        return vector if vector is not None else self.model.embed_query(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.model.embed_documents(texts)
