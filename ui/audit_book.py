"""Audits over the index being served: the one place the API, the audit page and the command
line start, answer, summarise, plan and compare audits.

The checklist is read from the units in hand, so an audit follows a re-ingest: an answer whose
provision's words changed (its id includes them) comes back as stale, with the words answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from provision_assistant.retrieval.audit import AuditItem, Status, checklist, compare, coverage_by
from provision_assistant.retrieval.audit_plan import (
    ActionPlan,
    AnswerState,
    Comparison,
    action_plan,
    movement,
)
from provision_assistant.ui.audit_store import Audit, AuditError, AuditStore

if TYPE_CHECKING:
    from provision_assistant.retrieval.templates import AnswerTemplates


class UnknownProvisionError(AuditError):
    """A provision id that is not in the audit's checklist."""


class NothingToAuditError(AuditError):
    """A document with no framework provisions for the phase."""


class AuditBook:
    def __init__(self, rows: Sequence[dict], store: AuditStore, templates: AnswerTemplates) -> None:
        """`rows`: the catalogue rows of the index being served."""
        self._rows = rows
        self.store = store
        self.templates = templates

    def checklist(self, document: str, phase: str | None) -> list[AuditItem]:
        return checklist(self._rows, document, phase)

    def documents(self) -> list[str]:
        """The documents with framework provisions to audit."""
        return sorted({r["document"] for r in self._rows if checklist([r], r["document"], None)})

    def create(self, name: str, document: str, phase: str | None) -> tuple[Audit, str, int]:
        """A new audit, its access code and how many provisions it lists."""
        listed = self.checklist(document, phase)
        if not listed:
            raise NothingToAuditError(f"no framework provisions in {document!r} to audit")
        audit, code = self.store.create(name, document, phase)
        return audit, code, len(listed)

    def answer(
        self, audit: Audit, unit_id: str, status: Status, note: str = "", *, in_plan: bool = True
    ) -> AnswerState:
        item = next((i for i in self.checklist(audit.document, audit.phase) if i.id == unit_id), None)
        if item is None:
            raise UnknownProvisionError(f"no provision {unit_id!r} in this audit's checklist")
        return self.store.answer(audit, unit_id, status, note, in_plan=in_plan, wording=item.text)

    def plan(self, audit: Audit) -> ActionPlan:
        """Coverage, the chosen gaps in the framework's words, and stale answers."""
        items = self.checklist(audit.document, audit.phase)
        return action_plan(vars(audit), items, self.store.answers(audit), self.templates)

    def compare(self, earlier: Audit, later: Audit) -> Comparison:
        """What moved from `earlier` to `later` (audits of one framework), over the later checklist."""
        if earlier.document != later.document:
            raise AuditError(
                f"only audits of one framework compare: {earlier.document!r} and {later.document!r}"
            )
        items = self.checklist(later.document, later.phase)
        before = {uid: a.status for uid, a in self.store.answers(earlier).items()}
        after = {uid: a.status for uid, a in self.store.answers(later).items()}
        tiers_before, tiers_after = coverage_by(items, before, "tier"), coverage_by(items, after, "tier")
        moved = compare(items, before, after)
        return Comparison(
            earlier=earlier.name,
            later=later.name,
            by_tier={t: [tiers_before[t].score, tiers_after[t].score] for t in tiers_after},
            **{kind: [movement(c) for c in changes] for kind, changes in moved.items()},
        )
