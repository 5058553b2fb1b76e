"""What a language model costs and how much of its summary survives the check, per use.

    PROVISIONS_LLM_BASE_URL=http://127.0.0.1:8765/v1 PROVISIONS_LLM_MODEL=smollm2 \\
        .venv/bin/python -m provision_assistant.evals.bench_model [--cases evals/cases/dev] [--limit 20]

For each question (the recommend and lookup cases), the answer is timed without the model and
with it for one use at a time (a follow-up rewriting, the reranking, the summary), alternately, so
that both meet the machine alike; it prints each use's added time (p50 and p95, and as a ratio to
the answer without the model), and for the summary how many sentences the check kept and removed
and how many answers fell back with a note. The model's own speed decides most of it.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

from provision_assistant.evals.cases import load_cases
from provision_assistant.evals.metrics import percentile
from provision_assistant.evals.runner import timed
from provision_assistant.evals.suite import DEV_CASES
from provision_assistant.ingest.settings import get_settings
from provision_assistant.ingest.store import make_embeddings
from provision_assistant.retrieval.conversation import continued
from provision_assistant.retrieval.summary_check import sentences

FOLLOW_UP = "and what about at home?"


def main(argv: list[str] | None = None) -> int:
    from provision_assistant.retrieval.service import AnswerService

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, action="append")
    parser.add_argument("--limit", type=int, default=20, help="questions measured (default 20)")
    args = parser.parse_args(argv)
    settings = get_settings()
    if not settings.language_model_configured:
        print("bench_model: set PROVISIONS_LLM_BASE_URL and PROVISIONS_LLM_MODEL", file=sys.stderr)
        return 1
    cases = [c for c in load_cases(args.cases or [DEV_CASES]) if c.kind in ("recommend", "lookup")]
    questions = [c.question for c in cases[: args.limit]]
    embeddings = make_embeddings(settings)
    plain = AnswerService.from_settings(settings.model_copy(update={"llm_base_url": ""}), embeddings)
    plain.ask(questions[0])  # warm-up: the first call pays for lazy loading
    print(f"{len(questions)} questions; model {settings.llm_model} at its endpoint; times in ms")
    for use in ("follow_ups", "rerank", "summary"):
        service = AnswerService.from_settings(settings.model_copy(update={"llm_uses": [use]}), embeddings)
        added, base, kept, removed, fell_back = [], [], 0, 0, 0
        for question in questions:
            if use == "follow_ups":
                asked = {"earlier": [question], "typed": FOLLOW_UP}
                text = continued(question, FOLLOW_UP)
            else:
                asked, text = {}, question
            _, without = timed(partial(plain.ask, text, earlier=asked.get("earlier", ())))
            answer, with_model = timed(partial(service.ask, text, **asked))
            base.append(without)
            added.append(with_model - without)
            fell_back += bool(answer.model_note)
            if answer.summary is not None:
                kept += len(sentences(answer.summary.text))
                removed += answer.summary.removed
        service.close()
        p50, p95 = percentile(added, 0.5), percentile(added, 0.95)
        print(
            f"{use:>10}: added p50 {p50:7.0f}  p95 {p95:7.0f}  (answer without the model p50"
            f" {percentile(base, 0.5):.0f}: x{(percentile(base, 0.5) + p50) / percentile(base, 0.5):.1f})"
            f"  fell back {fell_back} of {len(questions)}"
        )
        if use == "summary":
            share = removed / (kept + removed) if kept + removed else 0.0
            print(f"{'':>10}  sentences kept {kept}, removed by the check {removed} ({share:.0%})")
    plain.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
