"""Gates (thresholds from a YAML file) and the comparison with an earlier run. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from provision_assistant.evals.cases import EvalDataError
from provision_assistant.evals.metrics import METRICS
from provision_assistant.ingest.datafile import load_yaml_model


class Gate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = None
    max: float | None = None
    system: str = "project"
    pending: str = Field("", description="why this gate is reported but not enforced yet")

    @model_validator(mode="after")
    def _one_bound(self) -> Gate:
        if (self.min is None) == (self.max is None):
            raise ValueError("a gate needs exactly one of min or max")
        return self


class GateFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gates: dict[str, Gate]

    @model_validator(mode="after")
    def _known_metrics(self) -> GateFile:
        unknown = sorted(set(self.gates) - set(METRICS))
        if unknown:
            raise ValueError(f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(METRICS)}")
        return self


def load_gates(path: Path) -> dict[str, Gate]:
    return load_yaml_model(path, GateFile, what="the gates", error=EvalDataError).gates


@dataclass(frozen=True)
class GateResult:
    metric: str
    system: str
    bound: str
    value: float | None
    passed: bool | None  # None: a pending gate's metric that these cases do not measure
    enforced: bool
    pending: str = ""
    message: str = ""

    def to_json(self) -> dict:
        return self.__dict__.copy()


UNMEASURED = "not measured by these cases"


def check_gates(run_json: dict, gates: dict[str, Gate]) -> list[GateResult]:
    """Each gate's verdict. An enforced gate with no value fails: a gate that cannot
    be checked must not pass a run unnoticed (a renamed metric, a system not run)."""
    results = []
    for metric, gate in gates.items():
        value = run_json["systems"].get(gate.system, {}).get("aggregates", {}).get(metric)
        enforced, message = not gate.pending, ""
        if gate.min is not None:
            bound, passed = f"≥ {gate.min}", None if value is None else value >= gate.min
        else:
            bound, passed = f"≤ {gate.max}", None if value is None else value <= gate.max
        if passed is None and enforced:
            passed, message = False, f"{metric} of {gate.system} was {UNMEASURED}"
        results.append(GateResult(metric, gate.system, bound, value, passed, enforced, gate.pending, message))
    return results


def gates_failed(results: list[GateResult]) -> list[GateResult]:
    return [r for r in results if r.enforced and r.passed is False]


# Per-question figures compared between runs; True where higher is better.
_COMPARED = {
    "status_ok": True,
    "recall@10": True,
    "mrr": True,
    "suggestion_recall": True,
    "tier_correct": True,
    "avoid_hits": False,
    "citations_invalid": False,
}


def _figures(row: dict) -> dict[str, float | None]:
    out = {}
    for name in _COMPARED:
        if name == "avoid_hits":
            value = len(row["avoid_hits"]) if row.get("avoid_hits") is not None else None
        elif name == "citations_invalid":
            value = row.get("citations_total", 0) - row.get("citations_valid", 0)
        else:
            value = row.get(name)
        out[name] = None if value is None else float(value)
    return out


def regressions(previous: dict, current: dict, system: str = "project") -> list[dict]:
    """Every question, present in both runs, on which `system` got worse on some figure."""
    before = {q["case_id"]: q for q in previous.get("systems", {}).get(system, {}).get("questions", [])}
    worse = []
    for row in current.get("systems", {}).get(system, {}).get("questions", []):
        old = before.get(row["case_id"])
        if old is None:
            continue
        was, now = _figures(old), _figures(row)
        changes = {
            name: {"before": was[name], "after": now[name]}
            for name, higher in _COMPARED.items()
            if was[name] is not None
            and now[name] is not None
            and (now[name] < was[name] - 1e-9 if higher else now[name] > was[name] + 1e-9)
        }
        if changes:
            worse.append({"case_id": row["case_id"], "changes": changes})
    return worse
