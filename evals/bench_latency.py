"""Answer latency against the bare floor, measured in one run on the same questions.

The floor is what any retrieval answer must pay: one query embedding and one
vector search in the served index. The answer is the whole `ask` (vocabulary,
safeguarding triage, dense and keyword search, fusion, selection, composing).
The triage line is the safeguarding triage alone on a vector already computed
(the classifier's forward pass and the rules), the part of the answer it costs.
All are timed alternately, question by question, after a warm-up, so that the
machine's state is the same for each; the ratio of their p95s is the figure to
watch.

    .venv/bin/python -m provision_assistant.evals.bench_latency [--rounds 3] [--cases evals/cases/dev]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from provision_assistant.evals.cases import load_cases
from provision_assistant.evals.metrics import percentile
from provision_assistant.evals.suite import DEV_CASES, TEST_CASES
from provision_assistant.ingest.settings import Settings, get_settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings


def search_floor(settings: Settings, embeddings: Embeddings) -> Callable[[str], None]:
    """The floor for a question: one query embedding and one vector search in the served index.

    `provisions eval` times it beside every project answer too (`evals.suite`).
    """
    from provision_assistant.ingest.generations import open_index
    from provision_assistant.ingest.store import get_collection

    generation = open_index(settings).require_current()
    collection = get_collection(generation.client(), generation.collection)

    def floor(question: str) -> None:
        vector = embeddings.embed_query(question)
        collection.query(query_embeddings=[vector], n_results=settings.candidates)

    return floor


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="times each question is asked")
    parser.add_argument("--cases", type=Path, action="append", help="cases file or folder")
    args = parser.parse_args(argv)

    from provision_assistant.ingest.store import make_embeddings
    from provision_assistant.retrieval.service import AnswerService

    settings = settings or get_settings()
    embeddings = make_embeddings(settings)
    service = AnswerService.from_settings(settings, embeddings)
    floor = search_floor(settings, embeddings)
    questions = [c.question for c in load_cases(args.cases or [DEV_CASES, TEST_CASES])]

    vectors = {q: embeddings.embed_query(q) for q in questions}

    def triage(question: str) -> None:
        service.triage(question, vectors[question])

    for question in questions[:5]:  # warm-up: first calls pay for lazy loading
        floor(question)
        service.ask(question)
        triage(question)

    timings: dict[str, list[float]] = {"floor": [], "answer": [], "triage": []}
    for _ in range(args.rounds):
        for question in questions:
            for name, call in (("floor", floor), ("answer", service.ask), ("triage", triage)):
                started = time.perf_counter()
                call(question)
                timings[name].append((time.perf_counter() - started) * 1000)

    print(f"{len(questions)} questions x {args.rounds} rounds, {settings.candidates} candidates per search")
    print(f"{'':8}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}")
    for name, values in timings.items():
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(f"{name:8}{p50:>10.1f}{p95:>10.1f}{statistics.fmean(values):>10.1f}")
    ratio50 = percentile(timings["answer"], 0.5) / percentile(timings["floor"], 0.5)
    ratio95 = percentile(timings["answer"], 0.95) / percentile(timings["floor"], 0.95)
    print(f"answer / floor: p50 {ratio50:.2f}x, p95 {ratio95:.2f}x (target: p95 within 4x; issue 12)")
    triage50 = percentile(timings["triage"], 0.5) / percentile(timings["floor"], 0.5)
    triage95 = percentile(timings["triage"], 0.95) / percentile(timings["floor"], 0.95)
    print(f"triage / floor: p50 {triage50:.2f}x, p95 {triage95:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
