"""Run gold cases through the project and the baselines, and judge the figures.

The systems are passed in, so tests can run any of them on any index. Each
system answers in the same JSON shape as `provisions ask --json`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Protocol, TypeVar

from provision_assistant.evals.cases import Case
from provision_assistant.evals.metrics import aggregate, grouped_recall, ranking_per_question
from provision_assistant.evals.qrels import Qrels
from provision_assistant.evals.score import QuestionScore, score_answer
from provision_assistant.ingest.errors import InvalidQuestionError

log = logging.getLogger(__name__)

RUN_FORMAT = 1

T = TypeVar("T")


class System(Protocol):
    """A system may also have `floor(question)`: the least any answer must cost, timed beside each answer."""

    name: str
    judges_suggestions: bool

    def answer(self, question: str) -> dict: ...


class ProjectSystem:
    """Provision Assistant itself, through the same `ask` the chat, API and command line use."""

    judges_suggestions = True

    def __init__(self, service, floor: Callable[[str], object] | None = None, name: str = "project") -> None:
        self._service = service
        self.floor = floor
        self.name = name

    def answer(self, question: str) -> dict:
        try:
            # As JSON, the shape the baselines give too: scored, pooled and saved alike.
            return self._service.ask(question).to_json()
        except InvalidQuestionError as exc:
            return {"status": "invalid", "error": str(exc), "suggestions": [], "sources": []}


@dataclass
class SystemRun:
    name: str
    scores: list[QuestionScore]
    answers: dict[str, dict] = field(repr=False)

    def to_json(self) -> dict:
        ranking = ranking_per_question(self.scores)
        questions = []
        for s in self.scores:
            row = s.to_json()
            row.update(ranking.get(s.case_id, {}))
            questions.append(row)
        recommend = [s for s in self.scores if s.kind == "recommend"]
        return {
            "aggregates": aggregate(self.scores, ranking),
            "by_area": grouped_recall(recommend, "area", ranking),
            "by_phase": grouped_recall(self.scores, "phase", ranking),
            "questions": questions,
        }


@dataclass
class EvalRun:
    cases: list[Case]
    systems: dict[str, SystemRun]
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    sources: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "format": RUN_FORMAT,
            "created": self.created,
            "cases_from": self.sources,
            "cases": len(self.cases),
            "kinds": {k: sum(c.kind == k for c in self.cases) for k in sorted({c.kind for c in self.cases})},
            "questions": {
                c.id: {"question": c.question, "kind": c.kind, "phase": c.phase, "area": c.area}
                for c in self.cases
            },
            "systems": {name: run.to_json() for name, run in self.systems.items()},
        }


def timed(call: Callable[[], T]) -> tuple[T, float]:
    """The call's result and how long it took, in ms (the runner and the benchmarks time alike)."""
    started = time.perf_counter()
    result = call()
    return result, (time.perf_counter() - started) * 1000


def run_system(
    system: System,
    cases: Sequence[Case],
    qrels: Qrels | None = None,
    lost_labels: frozenset[str] = frozenset(),
) -> SystemRun:
    scores, answers = [], {}
    floor = getattr(system, "floor", None)
    if floor is not None and cases:
        floor(cases[0].question)  # warm-up, as bench_latency does: the first call pays for lazy loading
    for case in cases:
        # Timed alternately with the answer, question by question, so that both meet the machine alike.
        floor_ms = timed(partial(floor, case.question))[1] if floor is not None else None
        answer, elapsed = timed(partial(system.answer, case.question))
        answers[case.id] = answer
        scores.append(
            score_answer(
                case,
                answer,
                elapsed,
                judges_suggestions=system.judges_suggestions,
                floor_ms=floor_ms,
                judged=(qrels or {}).get(case.id),
                lost_labels=lost_labels,
            )
        )
    log.info("%s: %d questions answered", system.name, len(cases))
    return SystemRun(system.name, scores, answers)


def run_eval(
    cases: Sequence[Case],
    systems: Sequence[System],
    sources: Sequence[str] = (),
    qrels: Qrels | None = None,
    lost_labels: frozenset[str] = frozenset(),
) -> EvalRun:
    """Every system on every case; with `qrels`, what each shows is graded too; `lost_labels`
    (`evals.tier_labels.lost_in_cases`) splits tier accuracy by whether the document labels the tier."""
    if not cases:
        raise ValueError("no cases to run")
    runs = {s.name: run_system(s, cases, qrels, lost_labels) for s in systems}
    return EvalRun(list(cases), runs, sources=list(sources))
