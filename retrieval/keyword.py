"""Keyword search (Okapi BM25) over every stored unit, as a LangChain retriever.

Dense search finds paraphrases; this side finds exact names that a small
embedding model blurs: ELSA, EHCP, HINT, SORTED, PACE, Blob Tree, Qwell.
rank-bm25 is the library LangChain's community BM25Retriever wraps; words are
stemmed (Snowball) so that "friendships" also finds "friendship".
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, PrivateAttr

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
# Question words and fillers that every passage shares or no passage needs.
_STOPWORD_TEXT = """
a about all also an and any are as at be been but by can could do does for from had has have he
her him his how i if in into is it its just me my no not of on or our she should so some than
that the their them then there these they this to too us was we were what when where which who
why will with would you your ideas idea help please thanks pupil pupils child children kid kids
student students school
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


_per_thread = threading.local()


def _stemmer():
    # A Snowball stemmer keeps its word in the object while it works: shared between the
    # server's threads it gave wrong stems or IndexError. One per thread is cheap.
    if not hasattr(_per_thread, "stemmer"):
        import snowballstemmer

        _per_thread.stemmer = snowballstemmer.stemmer("english")
    return _per_thread.stemmer


def tokens(text: str) -> list[str]:
    """Lower-case word stems, without stop words."""
    words = [w for w in _WORD.findall(text.casefold()) if w not in STOPWORDS]
    return _stemmer().stemWords(words)


class KeywordRetriever(BaseRetriever):
    """The `k` units with the best BM25 score for the question (score in `keyword_score`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    documents: list[Document]
    k: int = Field(40, ge=1, le=500)
    _bm25: Any = PrivateAttr(default=None)
    _postings: dict[str, tuple[np.ndarray, np.ndarray]] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any) -> None:
        from rank_bm25 import BM25Okapi

        if not self.documents:
            raise ValueError("keyword search needs at least one unit")
        self._bm25 = BM25Okapi([tokens(searchable(d.page_content, d.metadata)) for d in self.documents])
        # Which documents hold each word, and how often: rank-bm25 looks every document up for
        # every word, in Python, which a server answering several questions at once pays twice.
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for row, freqs in enumerate(self._bm25.doc_freqs):
            for word, count in freqs.items():
                rows, counts = postings.setdefault(word, ([], []))
                rows.append(row)
                counts.append(count)
        self._postings = {w: (np.array(r), np.array(c)) for w, (r, c) in postings.items()}

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every document for `query`, in the order of `documents`.

        rank-bm25's `get_scores`, term for term and in the same arithmetic, so the scores are the same.
        """
        bm25 = self._bm25
        score = np.zeros(bm25.corpus_size)
        doc_len = np.array(bm25.doc_len)
        for word in tokens(query):
            freq = np.zeros(bm25.corpus_size)
            rows, counts = self._postings.get(word, (np.zeros(0, dtype=int), np.zeros(0)))
            freq[rows] = counts
            score += (bm25.idf.get(word) or 0) * (
                freq * (bm25.k1 + 1) / (freq + bm25.k1 * (1 - bm25.b + bm25.b * doc_len / bm25.avgdl))
            )
        return score

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        admit: Callable[[dict], bool] | None = None,
    ) -> list[Document]:
        """`admit`: whether a unit's metadata is in scope; the best `k` are taken from those that are."""
        scores = self.scores(query)
        hits = (i for i in range(len(scores)) if scores[i] > 0)
        if admit is not None:
            hits = (i for i in hits if admit(self.documents[i].metadata))
        best = sorted(hits, key=lambda i: -scores[i])
        return [
            Document(
                page_content=self.documents[i].page_content,
                id=self.documents[i].id,
                metadata={**self.documents[i].metadata, "keyword_score": float(scores[i])},
            )
            for i in best[: self.k]
        ]


def searchable(text: str, metadata: dict) -> str:
    """What keyword search reads: the theme's title says what a short provision line is for."""
    return f"{metadata.get('area', '')} {metadata.get('theme', '')} {text}"
