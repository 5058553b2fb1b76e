"""The relevance judge over one index: the stored units, their vectors, and the trained model."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from provision_assistant.ingest.settings import Settings
from provision_assistant.ingest.store import model_identity, model_path
from provision_assistant.retrieval.candidate import Candidate
from provision_assistant.retrieval.library import Library
from provision_assistant.retrieval.relevance import Passages, QuestionBank, Relevance, features, normalised
from provision_assistant.retrieval.relevance_examples import load_relevance_examples
from provision_assistant.retrieval.relevance_train import RelevanceModel, TrainingSettings
from provision_assistant.retrieval.relevance_train import load_or_train as load_or_train_judge
from provision_assistant.retrieval.select import same_words
from provision_assistant.retrieval.triage_examples import cached_vectors

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from provision_assistant.retrieval.keyword import KeywordRetriever

log = logging.getLogger(__name__)
_MIN_KNOWN = 0.5  # share of the example questions whose passages the index must hold


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
        # Documents the examples name. A passage no example names is suggested for 0.06 of the
        # questions it answers (0.5 when named; evals/relevance_cv.py --unseen), so the others
        # are left to the searches (judged_select.py).
        self.documents = frozenset(units[r].metadata.get("document", "") for texts in on_point for r in texts)
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
        return Relevance(on_point, self._model.covered(probabilities, rows), self.documents)


def relevance_model(settings: Settings, embeddings: Embeddings, *, retrain: bool = False) -> RelevanceModel:
    """The judge's model for these examples and this embedding model: from the cache, or trained now."""
    examples = load_relevance_examples(settings.relevance_examples_path)
    model_id = model_identity(model_path(settings))
    embed = partial(
        cached_vectors, embed=embeddings.embed_documents, folder=settings.cache_dir, model_id=model_id
    )
    return load_or_train_judge(
        examples, embed, model_id, TrainingSettings(), settings.cache_dir, retrain=retrain
    )


def make_judge(
    settings: Settings,
    embeddings: Embeddings,
    library: Library,
    units: list[Candidate],
    vectors: np.ndarray,
    keyword: KeywordRetriever,
) -> RelevanceJudge | None:
    """The relevance judge over this index, trained from the examples on first use (about a minute);
    None when the index holds too few of the passages its examples name to be judged by it."""
    model = relevance_model(settings, embeddings)
    # `units`, `vectors` and the keyword scores share one order: the index's.
    groups = [library.passage_of(u.id).id for u in units]
    judge = RelevanceJudge(model, units, vectors, groups, keyword.scores)
    answered = judge.answered
    if judge.known < _MIN_KNOWN * answered:
        # It learnt how far to trust its example questions from an index that held what they
        # name; over documents none of them name, it would refuse what it cannot weigh.
        log.warning(
            "relevance judge not used: only %d of %d example questions name a stored unit; "
            "the searches decide (add relevance examples for these documents)",
            judge.known,
            answered,
        )
        return None
    log.info("relevance judge ready: %d of %d example questions name stored units", judge.known, answered)
    return judge
