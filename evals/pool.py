"""Pool what every system shows for each test question, for graders who do not know which showed what.

    .venv/bin/python -m provision_assistant.evals.pool --cases evals/cases/test-4 --out POOL_DIR [--parts 6]

Systems: the project with its relevance judge, the project without it (the searches'
own scores, as before issue 12), and the two baselines (the chunks they rank within
the same text budget the eval judges, at most ten). Each question's items are the
union of what they show, in a shuffled order, with the citation a reader would see.
Writes `part-N.yaml` for graders (no system named) and `shown.json` (which system
showed which item) for the record. The graders' verdicts become the qrels the eval
reads (`evals/qrels.py`). With `--unjudged`, only what the project shows now that no
grader has seen: after a change, grade those and add them to qrels.yaml.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import yaml

from provision_assistant.evals.cases import QRELS_FILE, load_cases, normalise
from provision_assistant.evals.qrels import load_qrels, shown_texts
from provision_assistant.ingest.settings import get_settings
from provision_assistant.ingest.store import make_embeddings


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


def merge_grades(pool_dir: Path, qrels_file: Path) -> int:
    """Add the graders' verdicts (`grades-N.yaml` beside each `part-N.yaml`) to the judgements;
    returns how many items were added. YAML reads a bare on/off as true/false: both are accepted."""
    from provision_assistant.evals.cases import EvalDataError

    data = yaml.safe_load(qrels_file.read_text(encoding="utf-8")) if qrels_file.is_file() else None
    grades_by_case = (data or {}).get("grades", {})
    added = 0
    for part in sorted(pool_dir.glob("part-*.yaml")):
        verdicts_file = part.with_name(part.name.replace("part-", "grades-"))
        verdicts = yaml.safe_load(verdicts_file.read_text(encoding="utf-8"))["grades"]
        for question in yaml.safe_load(part.read_text(encoding="utf-8"))["questions"]:
            for item in question["items"]:
                given = verdicts.get(question["case"], {})
                grade = {True: "on", False: "off"}.get(given.get(item["n"]), given.get(item["n"]))
                if grade not in ("on", "related", "off"):
                    raise EvalDataError(f"{verdicts_file}: {question['case']} item {item['n']}: no grade")
                grades_by_case.setdefault(question["case"], []).append({"grade": grade, "text": item["text"]})
                added += 1
    header = "".join(
        line for line in qrels_file.read_text(encoding="utf-8").splitlines(True) if line.startswith("#")
    )
    body = yaml.safe_dump({"grades": grades_by_case}, allow_unicode=True, sort_keys=False, width=110)
    qrels_file.write_text(header + body, encoding="utf-8")
    return added


def main(argv: list[str] | None = None) -> int:
    from provision_assistant.evals.suite import build_systems
    from provision_assistant.retrieval.service import AnswerService

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--parts", type=int, default=6)
    parser.add_argument(
        "--merge",
        action="store_true",
        help="add the graders' grades-N.yaml in --out to the cases folder's qrels.yaml, then stop",
    )
    parser.add_argument(
        "--unjudged",
        action="store_true",
        help="only what the project shows that the cases folder's qrels.yaml does not grade yet",
    )
    args = parser.parse_args(argv)
    if args.merge:
        added = merge_grades(args.out, args.cases / QRELS_FILE)
        print(f"{added} graded items added to {args.cases / QRELS_FILE}")
        return 0
    cases = load_cases([args.cases])
    settings = get_settings()
    embeddings = make_embeddings(settings)
    systems = {s.name: s for s in build_systems(settings, embeddings)}
    without = AnswerService.from_settings(get_settings(relevance_judge=False), embeddings)
    answer = {
        "project": systems["project"].answer,
        "without judge": lambda question: without.ask(question).to_json(),
        "tutorial": systems["tutorial"].answer,
        "bm25": systems["bm25"].answer,
    }
    graded = load_qrels([args.cases]) if args.unjudged else {}
    if args.unjudged:
        answer = {"project": answer["project"]}
    rng = random.Random(12)
    pools, shown = [], {}
    for case in cases:
        items: dict[str, dict] = {}
        for name, ask in answer.items():
            for item in shown_items(ask(case.question), judges_suggestions=name not in ("tutorial", "bm25")):
                key = normalise(item["text"])
                if key in graded.get(case.id, {}):
                    continue
                items.setdefault(key, item)
                shown.setdefault(case.id, {}).setdefault(key, []).append(name)
        order = list(items.values())
        if not order:
            continue
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
