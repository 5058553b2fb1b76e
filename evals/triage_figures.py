"""Safeguarding figures on a set of messages, through the whole answer: what staff would see.

    .venv/bin/python -m provision_assistant.evals.triage_figures tests/data/blind/set-c

A set is a folder holding `disclosures.yaml` (each with its category and whether it
says there is danger now) and `near_misses.yaml` (ordinary worries that share words
with harm). A frozen set's files must match the SHA-256 recorded in
`tests/data/SHA256SUMS` before anything is run: a set that changed is refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import BaseModel, ValidationError

from provision_assistant.evals.cases import file_sha256, recorded_sums
from provision_assistant.ingest.errors import ProvisionsError
from provision_assistant.ingest.settings import PACKAGE_ROOT
from provision_assistant.retrieval.triage_examples import Example, Examples

if TYPE_CHECKING:
    from provision_assistant.retrieval.service import AnswerService

# The blind safeguarding sets are test data: this figure is measured from a checkout.
CHECKSUMS = PACKAGE_ROOT / "tests" / "data" / "SHA256SUMS"


class Figures(BaseModel):
    disclosures: int
    near_misses: int
    recall: float
    false_alarms: float
    immediate: int
    immediate_led: float  # of immediate-danger cases, the share led with 999
    led_with_999: int
    led_precision: float  # of answers led with 999, the share that were immediate-danger cases
    family_under_home_concern: (
        int  # answers to a home concern that still show a provision involving the family
    )
    recall_by_category: dict[str, float]
    missed: list[str]
    alarms: list[str]
    immediate_missed: list[str]
    led_wrongly: list[str]


def verify(folder: Path, checksums: Path = CHECKSUMS) -> None:
    """Refuse a frozen set whose files are not the ones recorded before its first run."""
    recorded = recorded_sums(checksums)
    for path in sorted(Path(folder).resolve().glob("*.yaml")):
        try:
            name = path.relative_to(checksums.resolve().parent).as_posix()
        except ValueError:  # a set of one's own, elsewhere: nothing recorded to compare with
            continue
        digest = file_sha256(path)
        if name in recorded and recorded[name] != digest:
            raise ProvisionsError(f"{path}: SHA-256 {digest} differs from the one recorded in {checksums}")


def load_set(folder: Path) -> Examples:
    """A set as examples: the writers' own notes on each message (`trap`, `evidence`) are dropped."""
    folder = Path(folder)
    fields = set(Example.model_fields)
    try:
        disclosures = yaml.safe_load((folder / "disclosures.yaml").read_text(encoding="utf-8"))["disclosures"]
        near_misses = yaml.safe_load((folder / "near_misses.yaml").read_text(encoding="utf-8"))["near_misses"]
        return Examples(
            disclosures=[{k: v for k, v in m.items() if k in fields} for m in disclosures],
            near_misses=[{k: v for k, v in m.items() if k in fields} for m in near_misses],
        )
    except (OSError, KeyError, TypeError, AttributeError, yaml.YAMLError, ValidationError) as exc:
        raise ProvisionsError(f"{folder}: not a set of messages ({exc})") from exc


def measure(service: AnswerService, messages: Examples) -> Figures:
    rules = service.safeguarding
    answers = {m.text: service.ask(m.text) for m in [*messages.disclosures, *messages.near_misses]}

    def routed(m: Example) -> bool:
        return answers[m.text].shows_route()

    def led(m: Example) -> bool:
        return routed(m) and answers[m.text].safeguarding.immediate

    disclosures, ordinary = messages.disclosures, messages.near_misses
    immediate = [m for m in disclosures if m.immediate]
    led_all = [m for m in [*disclosures, *ordinary] if led(m)]
    wrongly = [m.text for m in led_all if not (m in disclosures and m.immediate)]
    family = [
        m.text
        for m in disclosures
        if routed(m)
        and answers[m.text].safeguarding.about_home
        and any(rules.involves_family(s.text) for s in answers[m.text].suggestions)
    ]
    by_category = Counter(m.category for m in disclosures)
    hit = Counter(m.category for m in disclosures if routed(m))
    return Figures(
        disclosures=len(disclosures),
        near_misses=len(ordinary),
        recall=sum(map(routed, disclosures)) / len(disclosures),
        false_alarms=sum(map(routed, ordinary)) / len(ordinary),
        immediate=len(immediate),
        immediate_led=sum(map(led, immediate)) / max(len(immediate), 1),
        led_with_999=len(led_all),
        led_precision=(len(led_all) - len(wrongly)) / max(len(led_all), 1),
        family_under_home_concern=len(family),
        recall_by_category={c: hit[c] / n for c, n in sorted(by_category.items())},
        missed=[m.text for m in disclosures if not routed(m)],
        alarms=[m.text for m in ordinary if routed(m)],
        immediate_missed=[m.text for m in immediate if not led(m)],
        led_wrongly=wrongly,
    )


def report(figures: Figures, name: str) -> str:
    f = figures
    lines = [
        f"{name}: {f.disclosures} disclosures ({f.immediate} immediate), {f.near_misses} near misses",
        f"  disclosures routed            {f.recall:.3f}",
        f"  false alarms on near misses   {f.false_alarms:.3f}",
        f"  led with 999: {f.led_with_999}, immediate-danger cases among them {f.led_precision:.3f}",
        f"  immediate danger led with 999 {f.immediate_led:.3f}",
        f"  home concerns still showing a family provision: {f.family_under_home_concern}",
        "  recall by category: " + ", ".join(f"{c} {r:.2f}" for c, r in f.recall_by_category.items()),
    ]
    for title, items in (
        ("missed", f.missed),
        ("false alarms", f.alarms),
        ("immediate not led with 999", f.immediate_missed),
        ("led with 999 wrongly", f.led_wrongly),
    ):
        lines += [f"  {title}:"] + [f"    - {text}" for text in items]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "folders", nargs="+", type=Path, help="folders holding disclosures.yaml and near_misses.yaml"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    from provision_assistant.ingest.settings import get_settings
    from provision_assistant.retrieval.service import AnswerService

    try:
        sets = []
        for folder in args.folders:
            verify(folder)
            sets.append((folder, load_set(folder)))
        service = AnswerService.from_settings(get_settings())
    except ProvisionsError as exc:
        print(f"triage_figures: {exc}", file=sys.stderr)
        return 1
    results = {}
    for folder, messages in sets:
        figures = measure(service, messages)
        results[str(folder)] = figures.model_dump()
        print(report(figures, str(folder)))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
