"""Cross-validation of the relevance judge on its own examples: how to set its two thresholds.

    .venv/bin/python -m provision_assistant.evals.relevance_cv [--folds 5]
        [--examples prompts/relevance_examples.yaml]    # (one command)
    .venv/bin/python -m provision_assistant.evals.relevance_cv --unseen    # passages no example names

Each fold's questions are judged by a judge trained without them (their example votes
come from the other folds only), against every passage of the examples. For each pair
of thresholds it prints what the answers would show: the share of suggestions the
examples mark on point (a floor: a passage they did not list may still be on point),
the share of passages on point that are shown, suggestions per answer, out-of-scope
questions refused and in-scope questions wrongly refused. The examples are development
data: these figures choose the thresholds; the frozen test set reports.

With `--unseen`, a fifth of the themes and passages are held out of the examples (no question
that names one is trained on, so no example votes for them) and the questions that name them
are judged: how often the judge finds a passage it was never shown, as for a council's own.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import random
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from provision_assistant.ingest.settings import get_settings
from provision_assistant.ingest.store import make_embeddings, model_identity, model_path
from provision_assistant.retrieval.audience import fits_pupil
from provision_assistant.retrieval.keyword import tokens
from provision_assistant.retrieval.phase import question_phase
from provision_assistant.retrieval.relevance_examples import load_relevance_examples
from provision_assistant.retrieval.relevance_train import TrainingSettings, Universe
from provision_assistant.retrieval.select import SelectionPolicy, holds_every_word
from provision_assistant.retrieval.triage_examples import cached_vectors

ANSWER_FLOORS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
SHOW_FLOORS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
MAX_SHOWN = 12


def judged_by_fold(
    universe: Universe, folds: int, s: TrainingSettings
) -> list[tuple[int, np.ndarray, np.ndarray, float]]:
    """(question row, candidates, their probabilities, probability of an answer) per question, out of fold."""
    order = list(range(len(universe.items)))
    random.Random(s.seed + 1).shuffle(order)
    out = []
    for fold in range(folds):
        held = sorted(order[fold::folds])
        out += judged_without(universe, held, [n for n in order if n not in set(held)], s)
        print(f"fold {fold + 1} of {folds} judged", file=sys.stderr)
    return out


def judged_without(
    universe: Universe, test: list[int], train: list[int], s: TrainingSettings
) -> list[tuple[int, np.ndarray, np.ndarray, float]]:
    """The `test` questions judged by a judge learnt from the `train` ones only."""
    model = universe.fit(train, s)
    out = []
    for n, (chosen, rows) in zip(test, universe.judged(test, model.adapter, train, s), strict=True):
        p = model.probabilities(rows)
        out.append((n, chosen, p, model.covered(p, rows)))
    return out


def shown(
    chosen: np.ndarray,
    p: np.ndarray,
    covered: float,
    answer_floor: float,
    show_floor: float,
    fits: Callable[[int], bool] = lambda _: True,
) -> list[int]:
    """What an answer would show, as `judged_select` chooses: nothing when not covered, else what is
    likely enough among what fits the pupil, or the best that fits when nothing is."""
    if covered < answer_floor:
        return []
    order = [i for i in np.argsort(-p, kind="stable") if fits(int(chosen[i]))]
    picked = [int(chosen[i]) for i in order if p[i] >= show_floor] or [int(chosen[i]) for i in order[:1]]
    return picked[:MAX_SHOWN]


def fitting(universe: Universe, n: int) -> Callable[[int], bool]:
    """The service's rules on whom a provision is for (`retrieval/audience.py`), for question `n`;
    a provision its question names ("who is Portage for?") fits, as the service lets it."""
    question = universe.questions[n]

    def fits(row: int) -> bool:
        t = universe.texts[row]
        return t.kind != "provision" or _fits(question, t.text, t.area, t.theme)

    return fits


@functools.lru_cache(maxsize=1 << 20)
def _fits(question: str, text: str, area: str, theme: str) -> bool:
    # Cached: every pair of thresholds asks again about the same candidates.
    named = holds_every_word(set(tokens(question)), text, {"area": area, "theme": theme})
    return named or fits_pupil(text, question, question_phase(question))


def figures(universe: Universe, judged: list, answer_floor: float, show_floor: float) -> dict[str, float]:
    precision, recall, shown_counts, showed_related = [], [], [], []
    refused_out, out_of_scope, refused_in, in_scope = 0, 0, 0, 0
    for n, chosen, p, covered in judged:
        on_point, related = set(universe.items[n][1]), set(universe.items[n][2])
        items = shown(chosen, p, covered, answer_floor, show_floor, fitting(universe, n))
        if not on_point:
            out_of_scope += 1
            refused_out += not items
            continue
        in_scope += 1
        refused_in += not items
        if related:
            showed_related.append(bool(related & set(items)))
        if items:
            precision.append(np.mean([i in on_point for i in items]))
            shown_counts.append(len(items))
        recall.append(np.mean([o in items for o in on_point]))
    return {
        "precision (floor)": float(np.mean(precision)),
        "recall": float(np.mean(recall)),
        "shown": float(np.mean(shown_counts)),
        "abstention": refused_out / max(out_of_scope, 1),
        "false refusals": refused_in / max(in_scope, 1),
        # The examples' counterpart of the test sets' "avoided provision shown": a same-topic
        # passage the writer listed as no answer, shown anyway (share of questions listing any).
        "related shown": float(np.mean(showed_related)) if showed_related else 0.0,
    }


def unseen(universe: Universe, s: TrainingSettings, share: float = 0.2) -> dict[str, float]:
    """Recall of passages no training example names, and the usual figures, on the questions naming
    them, at the service's thresholds."""
    rng = random.Random(s.seed + 2)
    groups = sorted({t.group for t in universe.texts})
    held = set(rng.sample(groups, int(len(groups) * share)))
    new = {i for i, t in enumerate(universe.texts) if t.group in held}
    out_of_scope = [n for n, on, _ in universe.items if not on]
    rng.shuffle(out_of_scope)
    cut = len(out_of_scope) // 5
    test = [n for n, on, _ in universe.items if set(on) & new] + out_of_scope[:cut]
    train = [n for n, on, _ in universe.items if on and not set(on) & new] + out_of_scope[cut:]
    judged = judged_without(universe, test, train, s)
    policy = SelectionPolicy()
    found = []
    for n, chosen, p, covered in judged:
        wanted = set(universe.items[n][1]) & new
        if wanted:
            items = shown(chosen, p, covered, policy.answer_floor, policy.show_floor, fitting(universe, n))
            found.append(np.mean([w in items for w in wanted]))
    return {
        "passages held out": len(new),
        "recall of those": float(np.mean(found)),
        **figures(universe, judged, policy.answer_floor, policy.show_floor),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--examples", type=Path, default=None)
    parser.add_argument("--unseen", action="store_true", help="judge passages no training example names")
    args = parser.parse_args(argv)
    settings = get_settings()
    examples = load_relevance_examples(args.examples or settings.relevance_examples_path)
    embeddings = make_embeddings(settings)
    model_id = model_identity(model_path(settings))

    def embed(texts: list[str]) -> np.ndarray:
        return cached_vectors(texts, embeddings.embed_documents, settings.cache_dir, model_id)

    s = TrainingSettings()
    universe = Universe(examples, embed)
    if args.unseen:
        for name, value in unseen(universe, s).items():
            print(f"{name:>20}: {value:.3f}" if isinstance(value, float) else f"{name:>20}: {value}")
        return 0
    judged = judged_by_fold(universe, args.folds, s)
    print(f"{len(universe.items)} questions, {args.folds}-fold, judged out of fold")
    print("answer  show   precision(floor)  recall  shown  abstention  false refusals  related shown")
    for answer_floor, show_floor in itertools.product(ANSWER_FLOORS, SHOW_FLOORS):
        f = figures(universe, judged, answer_floor, show_floor)
        print(
            f"{answer_floor:6.2f} {show_floor:5.2f}   {f['precision (floor)']:16.2f}  {f['recall']:6.2f}"
            f"  {f['shown']:5.1f}  {f['abstention']:10.2f}  {f['false refusals']:14.2f}"
            f"  {f['related shown']:13.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
