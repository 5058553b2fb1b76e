"""An audit's report and action plan as typed data: what the API returns and the exports read. Pure.

The plan lists each gap the school chose (every "not yet" and "partly" unless taken out),
ranked as `audit.ranked_gaps` ranks them, in the framework's own words with its citation:
the words hold the tools, links and contacts the document names, untouched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from provision_assistant.retrieval.answer_model import PhaseName, TierName
from provision_assistant.retrieval.audit import AuditItem, Change, Coverage, Status, coverage_by, ranked_gaps
from provision_assistant.retrieval.templates import AnswerTemplates


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnswerState(_Strict):
    """What a school said of one provision."""

    status: Status
    note: str = Field("", description="about the school's practice (redacted: never a pupil)")
    in_plan: bool = Field(True, description="a gap the school wants in its action plan")
    updated: str = ""
    wording: str = Field("", description="the provision's words when it was answered")


class CoverageRow(_Strict):
    name: str = Field(description="the tier or the area")
    provisions: int
    answered: int
    applicable: int
    score: float | None = Field(description="in place 1, partly 0.5, not yet 0; None: nothing applicable")


class PlanItem(_Strict):
    id: str
    tier: TierName
    area: str
    theme: str
    text: str = Field(description="the framework's own words (Markdown, with the links it names)")
    citation: str = Field(description="document — area › theme, page")
    status: Status
    note: str = ""


class StaleAnswer(_Strict):
    """An answer whose provision is no longer in the framework as answered (its words changed or it went)."""

    id: str
    status: Status
    wording: str = Field(description="the words answered, if they were kept")


class ActionPlan(_Strict):
    audit: str = Field(description="the audit's name")
    document: str
    title: str
    phase: PhaseName | None
    created: str
    answered: int
    provisions: int
    by_tier: list[CoverageRow]
    by_area: list[CoverageRow]
    items: list[PlanItem] = Field(description="the chosen gaps, Universal first")
    stale: list[StaleAnswer]


class Movement(_Strict):
    id: str
    tier: TierName
    area: str
    text: str
    earlier: Status | None
    later: Status | None


class Comparison(_Strict):
    earlier: str = Field(description="the earlier audit's name")
    later: str
    by_tier: dict[str, list[float | None]] = Field(description="tier → [earlier score, later score]")
    better: list[Movement]
    worse: list[Movement]
    still_open: list[Movement] = Field(description="gaps in both audits, ranked as gaps are")
    new: list[Movement] = Field(description="answered only in the later audit")


def coverage_rows(groups: Mapping[str, Coverage]) -> list[CoverageRow]:
    return [CoverageRow(name=name, **vars(c)) for name, c in groups.items()]


def action_plan(
    audit: Mapping,
    items: Sequence[AuditItem],
    answers: Mapping[str, AnswerState],
    templates: AnswerTemplates,
) -> ActionPlan:
    """`audit`: name, document, phase, created; citations as answers write them."""
    statuses = {uid: a.status for uid, a in answers.items()}
    present = {i.id for i in items}
    chosen = [(i, s) for i, s in ranked_gaps(items, statuses) if answers[i.id].in_plan]
    return ActionPlan(
        audit=audit["name"],
        document=audit["document"],
        title=items[0].title if items else audit["document"],
        phase=audit["phase"],
        created=audit["created"],
        answered=sum(1 for i in items if i.id in answers),
        provisions=len(items),
        by_tier=coverage_rows(coverage_by(items, statuses, "tier")),
        by_area=coverage_rows(coverage_by(items, statuses, "area")),
        items=[
            PlanItem(
                id=i.id,
                tier=i.tier,
                area=i.area,
                theme=i.theme,
                text=i.text,
                citation=cite(i, templates),
                status=s,
                note=answers[i.id].note,
            )
            for i, s in chosen
        ],
        stale=[
            StaleAnswer(id=uid, status=a.status, wording=a.wording)
            for uid, a in sorted(answers.items())
            if uid not in present
        ],
    )


def cite(item: AuditItem, templates: AnswerTemplates) -> str:
    page = templates.page.format(page=item.page) if item.page is not None else ""
    return templates.citation.format(title=item.title, council="", section=item.section, page=page)


def movement(change: Change) -> Movement:
    i = change.item
    return Movement(
        id=i.id, tier=i.tier, area=i.area, text=i.text, earlier=change.earlier, later=change.later
    )
