"""How well each stored passage answers a question: pure numpy over vectors the caller supplies.

Three signals, each learnt from the relevance examples, go into a small judge:

- **an adapter**: two linear maps learnt over the embedding model's vectors, one for
  questions and one for passages, so that their cosine ranks the passage that answers
  a question above one that only shares its topic (the plain model ranks by topic);
- **the example questions**: a question like one in the examples is likely answered
  by what answered that one (votes of the nearest examples, weighted by similarity);
- **words and place**: the keyword score, how the passage's theme fares as a whole,
  how far the passage stands below the best.

The judge (gradient-boosted trees over those features) gives each candidate the
probability that it is on point. Training lives in `relevance_train`; nothing here
loads a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

FEATURES = (
    "adapted cosine",
    "best adapted cosine",
    "gap to the best",
    "log rank",
    "plain cosine",
    "best plain cosine",
    "keyword share of the best",
    "log best keyword score",
    "is a provision",
    "theme's best three",
    "theme's count near the top",
    "gap between the first two",
    "log length",
    "example votes",
    "nearest example naming it",
    "nearest example",
    "nearest examples out of scope",
)
_NEAR_TOP = 200  # how deep a theme's members are counted


def normalised(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


@dataclass(frozen=True)
class Adapter:
    """Linear maps of question and passage vectors, learnt so that cosine says "answers"."""

    query: np.ndarray
    passage: np.ndarray

    def __post_init__(self) -> None:
        if self.query.ndim != 2 or self.query.shape != self.passage.shape:
            raise ValueError("the adapter needs two square maps of the same size")

    def queries(self, vectors: np.ndarray) -> np.ndarray:
        return normalised(np.atleast_2d(vectors) @ self.query)

    def passages(self, vectors: np.ndarray) -> np.ndarray:
        return normalised(np.atleast_2d(vectors) @ self.passage)


@dataclass(frozen=True)
class Votes:
    """What the example questions nearest a question say about each passage."""

    share: np.ndarray  # per passage: similarity-weighted share of the nearest examples naming it
    nearest: np.ndarray  # per passage: similarity of the nearest example naming it
    top: float  # similarity of the nearest example
    out_of_scope: float  # share of the five nearest with nothing on point


class QuestionBank:
    """The example questions (their plain vectors) and, for each, the passages on point."""

    def __init__(self, vectors: np.ndarray, on_point: Sequence[Sequence[int]], neighbours: int = 10) -> None:
        if len(vectors) != len(on_point) or len(vectors) < 1:
            raise ValueError("one list of passages on point per example question")
        if neighbours < 1:
            raise ValueError("neighbours must be at least 1")
        self.vectors = normalised(vectors)
        self.on_point = [list(p) for p in on_point]
        self.neighbours = neighbours

    def votes(self, question: np.ndarray, passages: int) -> Votes:
        sims = self.vectors @ normalised(question).ravel()
        top = np.argsort(-sims)[: self.neighbours]
        weights = np.clip(sims[top], 0.0, None) ** 3
        share, nearest = np.zeros(passages, np.float32), np.zeros(passages, np.float32)
        for t, w in zip(top, weights, strict=True):
            for p in self.on_point[t]:
                share[p] += w
                nearest[p] = max(nearest[p], sims[t])
        share /= max(float(weights.sum()), 1e-9)
        empty = float(np.mean([not self.on_point[t] for t in top[:5]]))
        return Votes(share, nearest, float(sims[top[0]]), empty)


@dataclass(frozen=True)
class Passages:
    """The passages a question is judged against, as the judge needs them. Rows align."""

    plain: np.ndarray  # the embedding model's vectors
    adapted: np.ndarray  # the same through the adapter
    groups: np.ndarray  # int: which theme (or passage) each belongs to
    is_provision: np.ndarray  # bool
    log_length: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.plain)
        if not (len(self.adapted) == len(self.groups) == len(self.is_provision) == len(self.log_length) == n):
            raise ValueError("every passage array must have one row per passage")


def features(
    plain_question: np.ndarray,
    adapted_question: np.ndarray,
    passages: Passages,
    keyword: np.ndarray,
    votes: Votes,
    top: int = 30,
) -> tuple[np.ndarray, np.ndarray]:
    """The candidates (the `top` by adapted cosine, and the examples' ten best) and their features."""
    adapted = passages.adapted @ adapted_question.ravel()
    plain = passages.plain @ normalised(plain_question).ravel()
    order = np.argsort(-adapted, kind="stable")
    voted = np.argsort(-votes.share, kind="stable")[:10]
    candidates = np.array(list(dict.fromkeys([*order[:top], *(v for v in voted if votes.share[v] > 0)])))
    rank = np.empty(len(adapted), dtype=np.int64)
    rank[order] = np.arange(len(adapted))
    best, second = adapted[order[0]], adapted[order[1]] if len(order) > 1 else adapted[order[0]]
    by_group: dict[int, list[float]] = {}
    for i in order[:_NEAR_TOP]:
        by_group.setdefault(int(passages.groups[i]), []).append(float(adapted[i]))
    best_keyword = float(keyword.max()) if len(keyword) and keyword.max() > 0 else 0.0
    rows = []
    for i in candidates:
        theme = by_group.get(int(passages.groups[i]), [float(adapted[i])])
        rows.append(
            [
                adapted[i],
                best,
                adapted[i] - best,
                np.log1p(rank[i]),
                plain[i],
                plain.max(),
                keyword[i] / best_keyword if best_keyword else 0.0,
                np.log1p(best_keyword),
                float(passages.is_provision[i]),
                float(np.mean(theme[:3])),
                len(theme),
                best - second,
                passages.log_length[i],
                votes.share[i],
                votes.nearest[i],
                votes.top,
                votes.out_of_scope,
            ]
        )
    return candidates, np.asarray(rows, dtype=np.float32)


QUESTION_FEATURES = (
    "best probability",
    "second probability",
    "mean of the best three",
    "candidates above 0.2",
    *(FEATURES[i] for i in (1, 5, 7, 15, 16)),
    "most example votes",
    "best keyword share",
)


def question_features(probabilities: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """What says whether anything answers the question: how sure the judge is, and of how much."""
    if not len(probabilities):
        return np.zeros(len(QUESTION_FEATURES), dtype=np.float32)
    ranked = np.sort(probabilities)[::-1]
    second = ranked[1] if len(ranked) > 1 else 0.0
    first = rows[0]
    return np.asarray(
        [
            ranked[0],
            second,
            ranked[:3].mean(),
            float((probabilities > 0.2).sum()),
            *(first[i] for i in (1, 5, 7, 15, 16)),
            rows[:, 13].max(),
            rows[:, 6].max(),
        ],
        dtype=np.float32,
    )


@dataclass(frozen=True)
class Relevance:
    """The judge's view of one question: each candidate's probability of being on point, the
    probability that the documents answer the question at all, and the documents it can judge
    (those its examples name; an empty set means every document)."""

    on_point: dict[str, float]
    covered: float
    known: frozenset[str] = frozenset()
