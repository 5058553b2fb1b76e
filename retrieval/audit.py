"""A whole-school audit against a framework: its checklist, coverage and gaps. Pure.

A school goes through a framework's provisions (those for its phase) and says of each
whether it is in place, partly in place, not yet, or not applicable. From those answers:
coverage per area and per tier (in place counts 1, partly a half, not applicable is left
out), and the gaps ranked by the graduated response: Universal first, since targeted and
specialist support stand on a universal foundation; within a tier, "not yet" before
"partly", then in the framework's own order.

Answers are kept by the provision's stored id, which changes when its words change: after
a re-ingest, an answer whose provision is no longer there is reported as `stale` (the
provision changed or went), and the new wording is unanswered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from provision_assistant.retrieval.candidate import TIER_ORDER

Status = Literal["in_place", "partly", "not_yet", "not_applicable"]
STATUSES: tuple[Status, ...] = ("in_place", "partly", "not_yet", "not_applicable")
_CREDIT = {"in_place": 1.0, "partly": 0.5, "not_yet": 0.0}


@dataclass(frozen=True)
class AuditItem:
    """One provision of the framework, as the audit lists it."""

    id: str
    area: str
    theme: str
    tier: str
    text: str
    position: int
    title: str = ""
    section: str = ""  # area › theme, as a citation names it
    page: int | None = None


def checklist(rows: Iterable[Mapping], document: str, phase: str | None) -> list[AuditItem]:
    """The provisions of one framework document (catalogue rows) for a phase, in its order:
    those the documents mark for other phases only are left out."""
    items = [
        AuditItem(
            r["id"],
            r["area"],
            r["theme"],
            r["tier"],
            r["text"],
            int(r["position"] or 0),
            r.get("title", ""),
            r.get("section", ""),
            r.get("page"),
        )
        for r in rows
        if r["document"] == document
        and r["kind"] == "provision"
        and r["tier"] in TIER_ORDER
        and (phase is None or not r["phase"] or phase in r["phase"])
    ]
    return sorted(items, key=lambda i: i.position)


@dataclass(frozen=True)
class Coverage:
    """How far a group of provisions is in place: answered, and the share of credit."""

    provisions: int
    answered: int
    applicable: int
    score: float | None  # in place 1, partly 0.5, not yet 0, over the applicable answered


def _coverage(items: Sequence[AuditItem], answers: Mapping[str, Status]) -> Coverage:
    given = [answers[i.id] for i in items if i.id in answers]
    applicable = [s for s in given if s != "not_applicable"]
    score = sum(_CREDIT[s] for s in applicable) / len(applicable) if applicable else None
    return Coverage(len(items), len(given), len(applicable), score)


def coverage_by(items: Sequence[AuditItem], answers: Mapping[str, Status], key: str) -> dict[str, Coverage]:
    """Coverage per `area` or per `tier`, in the framework's order (tiers: the graduated response)."""
    if key not in ("area", "tier"):
        raise ValueError("coverage is by area or by tier")
    groups: dict[str, list[AuditItem]] = {}
    for item in items:
        groups.setdefault(getattr(item, key), []).append(item)
    order = list(TIER_ORDER) if key == "tier" else list(groups)
    return {g: _coverage(groups[g], answers) for g in order if g in groups}


def ranked_gaps(items: Sequence[AuditItem], answers: Mapping[str, Status]) -> list[tuple[AuditItem, Status]]:
    """Provisions answered "not yet" or "partly": Universal first, then not yet before partly,
    then the framework's order."""
    gaps = [(i, answers[i.id]) for i in items if answers.get(i.id) in ("not_yet", "partly")]
    return sorted(gaps, key=lambda g: (TIER_ORDER.index(g[0].tier), g[1] != "not_yet", g[0].position))


def stale(items: Sequence[AuditItem], answers: Mapping[str, Status]) -> list[str]:
    """Answered provision ids the framework no longer holds (their words changed, or they went)."""
    present = {i.id for i in items}
    return sorted(uid for uid in answers if uid not in present)


@dataclass(frozen=True)
class Change:
    """One provision's status in an earlier audit and in a later one."""

    item: AuditItem
    earlier: Status | None
    later: Status | None


def _credit(status: Status | None) -> float | None:
    return _CREDIT.get(status) if status else None


def compare(
    items: Sequence[AuditItem], earlier: Mapping[str, Status], later: Mapping[str, Status]
) -> dict[str, list[Change]]:
    """What moved between two audits of one framework, over the later audit's checklist:
    `better` and `worse` (in place 1, partly a half, not yet 0; not applicable and unanswered
    do not count as movement), `still_open` (a gap in both, ranked as gaps are) and `new`
    (answered only in the later audit)."""
    out: dict[str, list[Change]] = {"better": [], "worse": [], "still_open": [], "new": []}
    rank = {i.id: n for n, (i, _) in enumerate(ranked_gaps(items, later))}
    for item in items:
        change = Change(item, earlier.get(item.id), later.get(item.id))
        before, after = _credit(change.earlier), _credit(change.later)
        if change.later and not change.earlier:
            out["new"].append(change)
        elif before is not None and after is not None and after > before:
            out["better"].append(change)
        elif before is not None and after is not None and after < before:
            out["worse"].append(change)
        if item.id in rank and change.earlier in ("not_yet", "partly"):
            out["still_open"].append(change)
    out["still_open"].sort(key=lambda c: rank[c.item.id])
    return out
