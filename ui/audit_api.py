"""The whole-school audit over HTTP: create, read, answer one provision, and the summary.

An audit is opened by its id and the access code given when it was made (header
`X-Audit-Code`): colleagues share both. The checklist is the framework's provisions for the
audit's phase, read from the index being served, so an audit follows a re-ingest (answers to
provisions whose words changed come back as `stale`).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from provision_assistant.ingest.settings import Settings
from provision_assistant.retrieval.answer_model import PhaseName
from provision_assistant.retrieval.audit import AuditItem, Status, coverage_by, ranked_gaps, stale
from provision_assistant.retrieval.audit_plan import ActionPlan, AnswerState, Comparison
from provision_assistant.ui.api_models import REFUSALS, Problem
from provision_assistant.ui.audit_book import UnknownProvisionError
from provision_assistant.ui.audit_export import FORMATS, exported, load_audit_templates
from provision_assistant.ui.audit_store import MAX_NAME, MAX_NOTE, Audit, AuditError

if TYPE_CHECKING:
    from provision_assistant.ui.service_holder import ServiceHolder

# What an audit's operations may refuse, besides the API's usual refusals.
_REFUSALS = {
    **REFUSALS,
    404: {"model": Problem, "description": "no audit with that id and code, or no such provision in it"},
}
Code = Annotated[
    str, Header(alias="X-Audit-Code", description="the access code given when the audit was made")
]


class AuditCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_NAME, description='e.g. "Autumn 2026"')
    document: str = Field(min_length=1, description="the framework document, as /api/documents names it")
    phase: PhaseName | None = Field(None, description="leave out provisions for other phases only")


class AnswerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    note: str = Field("", max_length=MAX_NOTE, description="about the school's practice, never a pupil")
    in_plan: bool = Field(True, description="a gap (not yet, partly) the action plan should list")


def _item(item: AuditItem, answer: AnswerState | None) -> dict:
    row = {"id": item.id, "area": item.area, "theme": item.theme, "tier": item.tier, "text": item.text}
    if answer is not None:
        row.update(status=answer.status, note=answer.note, in_plan=answer.in_plan, updated=answer.updated)
    return row


def audit_router(holder: ServiceHolder, settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/api/audits", tags=["audit"], responses=_REFUSALS)
    templates = load_audit_templates(settings.prompts_dir)

    def opened(audit_id: str, code: str) -> Audit:
        try:
            return holder.audits().open(audit_id, code)
        except AuditError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc

    @router.post("", status_code=201, summary="Start an audit of a framework for a phase")
    def create(body: AuditCreate) -> dict:
        try:
            audit, code, listed = holder.audit_book().create(body.name, body.document, body.phase)
        except AuditError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        return {**vars(audit), "code": code, "provisions": listed}

    @router.get("/{audit_id}", summary="The audit's checklist with every answer so far")
    def read(audit_id: str, code: Code) -> dict:
        audit = opened(audit_id, code)
        book = holder.audit_book()
        answers = book.store.answers(audit)
        listed = book.checklist(audit.document, audit.phase)
        statuses = {uid: a.status for uid, a in answers.items()}
        return {
            **vars(audit),
            "items": [_item(i, answers.get(i.id)) for i in listed],
            "stale": stale(listed, statuses),
        }

    @router.put("/{audit_id}/answers/{unit_id}", summary="One provision's status and note")
    def answer(audit_id: str, unit_id: str, body: AnswerBody, code: Code) -> dict:
        audit = opened(audit_id, code)
        try:
            kept = holder.audit_book().answer(audit, unit_id, body.status, body.note, in_plan=body.in_plan)
        except UnknownProvisionError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        except AuditError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        return {"id": unit_id, **kept.model_dump(exclude={"wording"})}

    @router.get("/{audit_id}/summary", summary="Coverage by area and tier, and the gaps, Universal first")
    def summary(audit_id: str, code: Code) -> dict:
        audit = opened(audit_id, code)
        book = holder.audit_book()
        statuses = {uid: a.status for uid, a in book.store.answers(audit).items()}
        listed = book.checklist(audit.document, audit.phase)

        def by(key: str) -> dict:
            return {name: vars(c) for name, c in coverage_by(listed, statuses, key).items()}

        return {
            **vars(audit),
            "by_tier": by("tier"),
            "by_area": by("area"),
            "gaps": [{**_item(i, None), "status": s} for i, s in ranked_gaps(listed, statuses)],
            "stale": stale(listed, statuses),
        }

    @router.get(
        "/{audit_id}/plan", summary="The action plan: coverage and the chosen gaps with their sources"
    )
    def plan(audit_id: str, code: Code) -> ActionPlan:
        return holder.audit_book().plan(opened(audit_id, code))

    @router.get(
        "/{audit_id}/export",
        summary="The action plan as a file to download (Markdown, CSV or PDF)",
        response_class=Response,
        responses={200: {"content": {media: {} for media in FORMATS.values()}}},
    )
    def export(audit_id: str, code: Code, format: Literal["md", "csv", "pdf"] = "md") -> Response:
        made = holder.audit_book().plan(opened(audit_id, code))
        body = exported(made, templates, format, date.today().strftime("%d %B %Y"))
        name = f"action-plan-{audit_id}.{format}"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(body, media_type=FORMATS[format], headers=headers)

    @router.get("/{audit_id}/compare", summary="What moved since an earlier audit of the same framework")
    def compared(
        audit_id: str,
        code: Code,
        earlier: Annotated[str, Query(description="the earlier audit's id")],
        earlier_code: Annotated[
            str, Header(alias="X-Earlier-Audit-Code", description="the earlier audit's access code")
        ],
    ) -> Comparison:
        later = opened(audit_id, code)
        try:
            return holder.audit_book().compare(opened(earlier, earlier_code), later)
        except AuditError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc

    return router
