"""Pool what every system shows for each test question, for graders who do not know which showed what.

    .venv/bin/python -m evals.pool --cases evals/cases/test --out POOL_DIR [--parts 6]

Systems: the project with its relevance judge, the project without it (the searches'
own scores, as before issue 12), and the two baselines (the chunks they rank within
the same text budget the eval judges, at most ten). Each question's items are the
union of what they show, in a shuffled order, with the citation a reader would see.
Writes `part-N.yaml` for graders (no system named) and `shown.json` (which system
showed which item) for the record. The graders' verdicts become the qrels the eval
reads (`evals/qrels.py`).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import yaml

from evals.cases import load_cases, normalise
from evals.qrels import shown_texts
from ingest.settings import get_settings
from ingest.store import make_embeddings


def shown_items(answer: dict, judges_suggestions: bool) -> list[dict]:
    """What a reader of this answer sees (`evals.qrels.shown_texts`), each with where it is from."""
    texts = shown_texts(answer, judges_suggestions)
    sources = {s["id"]: s for s in answer.get("sources", [])}
    if not judges_suggestions:
        return [
            {"text": t, "source": s.get("document", "")}
            for t, s in zip(texts, answer["sources"], strict=False)
        ]
    items = []
    for text, suggestion in zip(texts, answer.get("suggestions", []), strict=True):
        cited = sources.get((suggestion.get("source_ids") or [""])[0], {})
        where = " — ".join(part for part in (cited.get("title", ""), cited.get("section", "")) if part)
        items.append({"text": text, "source": where})
    return items


def main(argv: list[str] | None = None) -> int:
    from evals.suite import build_systems
    from retrieval.service import AnswerService

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--parts", type=int, default=6)
    args = parser.parse_args(argv)
    cases = load_cases([args.cases])
    settings = get_settings()
    embeddings = make_embeddings(settings)
    systems = {s.name: s for s in build_systems(settings, embeddings)}
    without = AnswerService.from_settings(get_settings(relevance_judge=False), embeddings)
    answer = {
        "project": systems["project"].answer,
        "without judge": without.ask,
        "tutorial": systems["tutorial"].answer,
        "bm25": systems["bm25"].answer,
    }
    rng = random.Random(12)
    pools, shown = [], {}
    for case in cases:
        items: dict[str, dict] = {}
        for name, ask in answer.items():
            for item in shown_items(ask(case.question), judges_suggestions=name not in ("tutorial", "bm25")):
                key = normalise(item["text"])
                items.setdefault(key, item)
                shown.setdefault(case.id, {}).setdefault(key, []).append(name)
        order = list(items.values())
        rng.shuffle(order)
        pools.append(
            {
                "case": case.id,
                "question": case.question,
                "items": [{"n": n, **item} for n, item in enumerate(order, start=1)],
            }
        )
        print(f"{case.id}: {len(order)} items", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    for part in range(args.parts):
        chunk = pools[part :: args.parts]
        (args.out / f"part-{part + 1}.yaml").write_text(
            yaml.safe_dump({"questions": chunk}, allow_unicode=True, sort_keys=False, width=110),
            encoding="utf-8",
        )
    (args.out / "shown.json").write_text(json.dumps(shown, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"{sum(len(p['items']) for p in pools)} items for {len(pools)} questions in {args.parts} parts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
