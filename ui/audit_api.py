"""The whole-school audit over HTTP: create, read, answer one provision, and the summary.

An audit is opened by its id and the access code given when it was made (header
`X-Audit-Code`): colleagues share both. The checklist is the framework's provisions for the
audit's phase, read from the index being served, so an audit follows a re-ingest (answers to
provisions whose words changed come back as `stale`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Header, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from provision_assistant.retrieval.answer_model import PhaseName
from provision_assistant.retrieval.audit import AuditItem, Status, checklist, coverage_by, ranked_gaps, stale
from provision_assistant.retrieval.catalogue import catalogue_rows
from provision_assistant.ui.api_models import REFUSALS, Problem
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


def _item(item: AuditItem, answer: object | None) -> dict:
    row = {"id": item.id, "area": item.area, "theme": item.theme, "tier": item.tier, "text": item.text}
    if answer is not None:
        row.update(status=answer.status, note=answer.note, updated=answer.updated)
    return row


def _coverage(groups: dict) -> dict:
    return {name: vars(c) for name, c in groups.items()}


def audit_router(holder: ServiceHolder) -> APIRouter:
    router = APIRouter(prefix="/api/audits", tags=["audit"], responses=_REFUSALS)

    def items(audit: Audit) -> list[AuditItem]:
        return checklist(catalogue_rows(holder.require().units), audit.document, audit.phase)

    def opened(audit_id: str, code: str) -> Audit:
        try:
            return holder.audits().open(audit_id, code)
        except AuditError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc

    @router.post("", status_code=201, summary="Start an audit of a framework for a phase")
    def create(body: AuditCreate) -> dict:
        listed = checklist(catalogue_rows(holder.require().units), body.document, body.phase)
        if not listed:
            raise HTTPException(
                status_code=422, detail=f"no framework provisions in {body.document!r} to audit"
            )
        try:
            audit, code = holder.audits().create(body.name, body.document, body.phase)
        except AuditError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        return {**vars(audit), "code": code, "provisions": len(listed)}

    @router.get("/{audit_id}", summary="The audit's checklist with every answer so far")
    def read(audit_id: str, code: Code) -> dict:
        audit = opened(audit_id, code)
        answers = holder.audits().answers(audit)
        listed = items(audit)
        statuses = {uid: a.status for uid, a in answers.items()}
        return {
            **vars(audit),
            "items": [_item(i, answers.get(i.id)) for i in listed],
            "stale": stale(listed, statuses),
        }

    @router.put("/{audit_id}/answers/{unit_id}", summary="One provision's status and note")
    def answer(audit_id: str, unit_id: str, body: AnswerBody, code: Code) -> dict:
        audit = opened(audit_id, code)
        if unit_id not in {i.id for i in items(audit)}:
            raise HTTPException(status_code=404, detail=f"no provision {unit_id!r} in this audit's checklist")
        try:
            kept = holder.audits().answer(audit, unit_id, body.status, body.note)
        except AuditError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        return {"id": unit_id, **vars(kept)}

    @router.get("/{audit_id}/summary", summary="Coverage by area and tier, and the gaps, Universal first")
    def summary(audit_id: str, code: Code) -> dict:
        audit = opened(audit_id, code)
        statuses = {uid: a.status for uid, a in holder.audits().answers(audit).items()}
        listed = items(audit)
        return {
            **vars(audit),
            "by_tier": _coverage(coverage_by(listed, statuses, "tier")),
            "by_area": _coverage(coverage_by(listed, statuses, "area")),
            "gaps": [{**_item(i, None), "status": s} for i, s in ranked_gaps(listed, statuses)],
            "stale": stale(listed, statuses),
        }

    return router
