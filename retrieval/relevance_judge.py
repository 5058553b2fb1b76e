"""The relevance judge over one index: the stored units, their vectors, and the trained model."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from retrieval.candidate import Candidate
from retrieval.relevance import Passages, QuestionBank, Relevance, features, normalised
from retrieval.relevance_train import RelevanceModel
from retrieval.select import same_words


class RelevanceJudge:
    """Gives the units a question most likely asks for the probability that each is on point."""

    def __init__(
        self,
        model: RelevanceModel,
        units: Sequence[Candidate],
        vectors: np.ndarray,
        groups: Sequence[str],
        keyword_scores: Callable[[str], np.ndarray],
    ) -> None:
        if not (len(units) == len(vectors) == len(groups)) or not units:
            raise ValueError("the judge needs one vector and one group per unit, and at least one unit")
        self._model = model
        self._ids = [u.id for u in units]
        self._keyword_scores = keyword_scores
        group_ids = {g: i for i, g in enumerate(dict.fromkeys(groups))}
        self._passages = Passages(
            plain=normalised(vectors),
            adapted=model.adapter.passages(np.asarray(vectors, dtype=np.float32)),
            groups=np.array([group_ids[g] for g in groups]),
            is_provision=np.array([u.is_provision for u in units]),
            log_length=np.log([max(len(u.text), 1) for u in units]).astype(np.float32),
        )
        # The examples name passages by their words: a unit with the same words is the one meant.
        rows: dict[str, list[int]] = {}
        for row, unit in enumerate(units):
            rows.setdefault(same_words(unit.text), []).append(row)
        on_point = [[r for text in texts for r in rows.get(same_words(text), [])] for texts in model.on_point]
        self._bank = QuestionBank(model.questions, on_point, model.settings.neighbours)
        self.known = sum(1 for texts in on_point if texts)  # example questions that found their passages
        self.answered = sum(1 for texts in model.on_point if texts)  # example questions with any

    def __call__(self, question: str, vector: Sequence[float]) -> Relevance:
        plain = np.asarray(vector, dtype=np.float32)
        votes = self._bank.votes(plain, len(self._ids))
        chosen, rows = features(
            plain,
            self._model.adapter.queries(plain),
            self._passages,
            self._keyword_scores(question),
            votes,
            self._model.settings.candidates,
        )
        probabilities = self._model.probabilities(rows)
        on_point = {self._ids[i]: float(p) for i, p in zip(chosen, probabilities, strict=True)}
        return Relevance(on_point, self._model.covered(probabilities, rows))
