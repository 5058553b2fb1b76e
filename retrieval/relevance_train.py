"""Training the relevance judge from the examples, and keeping it in the cache.

1. The examples' questions and passages are embedded by the embedding model (the
   passages in their place, as stored units are).
2. The adapter is fitted by a ranking loss: for each question and a passage on point,
   the other passages of the batch and one the example marks as related but not on
   point are the negatives (another passage on point for the same question is none).
3. The judge is fitted on features the adapter and example votes give questions they
   never saw (k-fold), so that it learns how far to trust them on new questions.

About a minute on two cores, at first use after the examples change; kept in the
cache folder under a key made of the examples, the embedding model and these
settings. torch and scikit-learn are imported inside the functions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
from filelock import FileLock
from pydantic import BaseModel, ConfigDict, Field

from provision_assistant.retrieval.keyword import KeywordRetriever
from provision_assistant.retrieval.relevance import (
    Adapter,
    Passages,
    QuestionBank,
    features,
    normalised,
    question_features,
)
from provision_assistant.retrieval.relevance_examples import RelevanceExamples

log = logging.getLogger(__name__)
Embed = Callable[[list[str]], np.ndarray]


class TrainingSettings(BaseModel):
    """How the relevance judge is trained; part of its cache key, so a change retrains it."""

    model_config = ConfigDict(frozen=True)

    seed: int = 0
    epochs: int = Field(20, ge=1, le=200)
    learning_rate: float = Field(3e-4, gt=0, lt=1)
    batch_size: int = Field(64, ge=4, le=1024)
    scale: float = Field(10.0, gt=0, description="similarity scale of the ranking loss")
    folds: int = Field(5, ge=2, le=20)
    candidates: int = Field(30, ge=5, le=500, description="passages judged per question")
    neighbours: int = Field(10, ge=1, le=100, description="example questions that vote")

    def key(self) -> str:
        return json.dumps(self.model_dump(), sort_keys=True)


@dataclass(frozen=True)
class RelevanceModel:
    """What was learnt: the adapter, the judge, and the example questions with what answers them."""

    adapter: Adapter
    judge: object  # a fitted scikit-learn classifier: predict_proba over `features`
    coverage: object  # another, over `question_features`: is anything on point at all?
    questions: np.ndarray  # plain vectors of the example questions
    on_point: list[list[str]]  # per example question: the texts on point, word for word
    settings: TrainingSettings

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return self.judge.predict_proba(rows)[:, 1] if len(rows) else np.zeros(0)

    def covered(self, probabilities: np.ndarray, rows: np.ndarray) -> float:
        return float(self.coverage.predict_proba(question_features(probabilities, rows)[None, :])[0, 1])


def fit_adapter(
    questions: np.ndarray,
    texts: np.ndarray,
    items: list[tuple[int, list[int], list[int]]],
    s: TrainingSettings,
) -> Adapter:
    """`items`: (question row, text rows on point, text rows related but not on point)."""
    import torch

    torch.manual_seed(s.seed)
    rng = random.Random(s.seed)
    dim = questions.shape[1]
    q_map, p_map = torch.nn.Parameter(torch.eye(dim)), torch.nn.Parameter(torch.eye(dim))
    optimiser = torch.optim.Adam([q_map, p_map], lr=s.learning_rate)
    q_all, t_all = torch.tensor(questions), torch.tensor(texts)
    pairs = [(q, p, set(on), rel) for q, on, rel in items for p in on]
    for _ in range(s.epochs):
        rng.shuffle(pairs)
        for start in range(0, len(pairs), s.batch_size):
            batch = pairs[start : start + s.batch_size]
            negatives = [
                rng.choice([r for r in rel if r not in on] or [rng.randrange(len(texts))])
                for *_, on, rel in batch
            ]
            candidates = [p for _, p, _, _ in batch] + negatives
            q = torch.nn.functional.normalize(q_all[[b[0] for b in batch]] @ q_map, dim=-1)
            c = torch.nn.functional.normalize(t_all[candidates] @ p_map, dim=-1)
            scores = s.scale * q @ c.T
            mask = torch.tensor(
                [[j != i and c_ in b[2] for j, c_ in enumerate(candidates)] for i, b in enumerate(batch)]
            )
            loss = torch.nn.functional.cross_entropy(scores.masked_fill(mask, -1e4), torch.arange(len(batch)))
            loss.backward()
            optimiser.step()
            optimiser.zero_grad()
    return Adapter(q_map.detach().numpy().astype(np.float32), p_map.detach().numpy().astype(np.float32))


class Universe:
    """The examples embedded: their questions, and their passages as the judge sees stored units."""

    def __init__(self, examples: RelevanceExamples, embed: Embed) -> None:
        from langchain_core.documents import Document

        keys = list(examples.texts)
        row = {k: i for i, k in enumerate(keys)}
        self.texts = [examples.texts[k] for k in keys]
        self.questions = [item.q for item in examples.questions]
        self.q_vectors = np.asarray(embed(self.questions), dtype=np.float32)
        self.t_vectors = np.asarray(embed([t.embedded for t in self.texts]), dtype=np.float32)
        # (question row, passages on point, passages related but not on point)
        self.items = [
            (n, [row[k] for k in item.on_point], [row[k] for k in item.related])
            for n, item in enumerate(examples.questions)
        ]
        # Scored as the served index scores its units, so the judge learns the same feature.
        self._keyword = KeywordRetriever(
            documents=[
                Document(page_content=t.text, metadata={"area": t.area, "theme": t.theme}) for t in self.texts
            ]
        )
        group_ids = {g: i for i, g in enumerate(dict.fromkeys(t.group for t in self.texts))}
        self._base = dict(
            plain=normalised(self.t_vectors),
            groups=np.array([group_ids[t.group] for t in self.texts]),
            is_provision=np.array([t.kind == "provision" for t in self.texts]),
            log_length=np.log([max(len(t.text), 1) for t in self.texts]).astype(np.float32),
        )

    def fit_adapter(self, rows: list[int], s: TrainingSettings) -> Adapter:
        return fit_adapter(
            self.q_vectors, self.t_vectors, [self.items[n] for n in rows if self.items[n][1]], s
        )

    def judged(
        self, rows: list[int], adapter: Adapter, bank_rows: list[int], s: TrainingSettings
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each question row: the candidate passages and their features, voted by `bank_rows`."""
        bank = QuestionBank(self.q_vectors[bank_rows], [self.items[b][1] for b in bank_rows], s.neighbours)
        passages = Passages(adapted=adapter.passages(self.t_vectors), **self._base)
        out = []
        for n in rows:
            votes = bank.votes(self.q_vectors[n], len(self.texts))
            keyword = self._keyword.scores(self.questions[n])
            out.append(
                features(
                    self.q_vectors[n],
                    adapter.queries(self.q_vectors[n]),
                    passages,
                    keyword,
                    votes,
                    s.candidates,
                )
            )
        return out

    def fit(self, rows: list[int], s: TrainingSettings) -> RelevanceModel:
        """The model learnt from these question rows (k-fold inside them for the judge)."""
        order = list(rows)
        random.Random(s.seed).shuffle(order)
        xs, ys, answered = [], [], []
        for fold in range(s.folds):
            held = set(order[fold :: s.folds])
            rest = [n for n in order if n not in held]
            part = sorted(held)
            for n, (chosen, x) in zip(
                part, self.judged(part, self.fit_adapter(rest, s), rest, s), strict=True
            ):
                xs.append(x)
                ys.append(np.isin(chosen, self.items[n][1]))
                answered.append(bool(self.items[n][1]))
            log.info("relevance judge: fold %d of %d done", fold + 1, s.folds)
        judge = _judge(s).fit(np.vstack(xs), np.concatenate(ys))
        on_point = [[self.texts[r].text for r in self.items[n][1]] for n in rows]
        coverage = _coverage(xs, ys, answered, s)
        return RelevanceModel(self.fit_adapter(rows, s), judge, coverage, self.q_vectors[rows], on_point, s)


def _judge(s: TrainingSettings) -> object:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=s.seed
    )


def _coverage(
    xs: list[np.ndarray], ys: list[np.ndarray], answered: list[bool], s: TrainingSettings
) -> object:
    """Whether a question is covered, learnt from the judge's probabilities for questions it never saw."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import GroupKFold, cross_val_predict

    rows, labels = np.vstack(xs), np.concatenate(ys)
    question = np.concatenate([np.full(len(x), n) for n, x in enumerate(xs)])
    unseen = cross_val_predict(
        _judge(s), rows, labels, groups=question, cv=GroupKFold(s.folds), method="predict_proba"
    )[:, 1]
    bounds = np.cumsum([0, *(len(x) for x in xs)])
    features_ = np.vstack([question_features(unseen[a:b], rows[a:b]) for a, b in pairwise(bounds)])
    return HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.05, max_leaf_nodes=7, random_state=s.seed
    ).fit(features_, np.array(answered))


def train(examples: RelevanceExamples, embed: Embed, s: TrainingSettings) -> RelevanceModel:
    started = time.monotonic()
    universe = Universe(examples, embed)
    model = universe.fit(list(range(len(universe.items))), s)
    log.info(
        "relevance judge trained on %d questions in %.0f s", len(universe.items), time.monotonic() - started
    )
    return model


def cache_key(examples: RelevanceExamples, model_id: str, s: TrainingSettings) -> str:
    import sklearn

    # The pickle names the classes by module: a renamed module must not find an old pickle.
    parts = [examples.digest(), model_id, s.key(), sklearn.__version__, RelevanceModel.__module__]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()[:20]


def load_or_train(
    examples: RelevanceExamples,
    embed: Embed,
    model_id: str,
    s: TrainingSettings,
    cache_dir: Path,
    *,
    retrain: bool = False,
) -> RelevanceModel:
    """The judge for these examples and this embedding model, from the cache, or trained now
    (`retrain`: trained now whatever the cache holds; the same seed gives the same judge)."""
    path = Path(cache_dir) / f"relevance-{cache_key(examples, model_id, s)}.pickle"
    path.parent.mkdir(parents=True, exist_ok=True)
    # One process trains; another starting at the same time waits, then loads its result.
    with FileLock(str(path) + ".lock"):
        if path.exists() and not retrain:
            try:
                with path.open("rb") as file:
                    return pickle.load(file)  # our own cache file, written below
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
                log.warning("retraining the relevance judge: %s: %s", path, exc)
        log.info("training the relevance judge from %d questions (first use only)", len(examples.questions))
        model = train(examples, embed, s)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        with partial.open("wb") as file:
            pickle.dump(model, file)
        os.replace(partial, path)  # a file appears whole or not at all
        return model
