"""Whole-school audits, kept in the database beside the feedback: an audit, and one answer per provision.

Several colleagues work on one audit through its id and an access code (only the code's hash
is kept). Each answer is its own row, written by an upsert, so two people saving different
provisions at once both keep theirs. Notes are about the school's practice, never a pupil's:
they are redacted as feedback is.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from sqlalchemy import insert, select

from provision_assistant.ingest.errors import ProvisionsError
from provision_assistant.ingest.privacy import redact
from provision_assistant.retrieval.audit import STATUSES
from provision_assistant.retrieval.audit_plan import AnswerState
from provision_assistant.ui import tables
from provision_assistant.ui.database import Store, dialect_insert

MAX_NAME = 120
MAX_NOTE = 1000


class AuditError(ProvisionsError):
    """An audit that does not exist, a wrong code, or an answer that cannot be kept."""


@dataclass(frozen=True)
class Audit:
    id: str
    name: str
    document: str
    phase: str | None
    created: str


class AuditStore(Store):
    """The audits and audit_answers tables (in the feedback's database)."""

    def create(self, name: str, document: str, phase: str | None) -> tuple[Audit, str]:
        """A new audit and its access code (shown once: only its hash is kept)."""
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME:
            raise AuditError(f"an audit needs a name of 1 to {MAX_NAME} characters")
        audit = Audit(secrets.token_urlsafe(12), name, document, phase, _today())
        code = secrets.token_urlsafe(9)
        with self._writing() as db:
            db.execute(insert(tables.audits).values(**vars(audit), code_hash=_hash(code)))
        return audit, code

    def open(self, audit_id: str, code: str) -> Audit:
        """The audit, if the code is its own; otherwise one message, whichever was wrong."""
        with self._reading() as db:
            row = db.execute(
                select(*_AUDIT, tables.audits.c.code_hash).where(tables.audits.c.id == audit_id)
            ).first()
        if row is None or not hmac.compare_digest(row.code_hash, _hash(code)):
            raise AuditError("no audit with that id and access code")
        return Audit(*row[: len(_AUDIT)])

    def answer(
        self,
        audit: Audit,
        unit_id: str,
        status: str,
        note: str = "",
        *,
        in_plan: bool = True,
        wording: str = "",
    ) -> AnswerState:
        """Keep one provision's status and note (the note redacted), replacing any earlier one.
        `wording`: the provision's words as answered, so a changed provision can be shown."""
        if status not in STATUSES:
            raise AuditError(f"status must be one of {', '.join(STATUSES)}; got {status!r}")
        if len(note) > MAX_NOTE:
            raise AuditError(f"a note is at most {MAX_NOTE} characters; this one is {len(note)}")
        kept = AnswerState(
            status=status,
            note=redact(" ".join(note.split()), self.known_words),
            in_plan=in_plan,
            updated=_now(),
            wording=wording,
        )
        row = {
            "status": kept.status,
            "note": kept.note,
            "updated": kept.updated,
            "in_plan": int(in_plan),
            "wording": wording,
        }
        upsert = dialect_insert(self.engine, tables.audit_answers).values(
            audit_id=audit.id, unit_id=unit_id, **row
        )
        upsert = upsert.on_conflict_do_update(
            index_elements=[tables.audit_answers.c.audit_id, tables.audit_answers.c.unit_id],
            set_={column: upsert.excluded[column] for column in row},
        )
        with self._writing() as db:
            db.execute(upsert)
        return kept

    def answers(self, audit: Audit) -> dict[str, AnswerState]:
        a = tables.audit_answers.c
        query = select(a.unit_id, a.status, a.note, a.updated, a.in_plan, a.wording)
        with self._reading() as db:
            rows = db.execute(query.where(a.audit_id == audit.id)).all()
        return {
            uid: AnswerState(
                status=status, note=note, updated=updated, in_plan=bool(planned), wording=wording
            )
            for uid, status, note, updated, planned, wording in rows
        }

    def audits(self, audit_id: str | None = None) -> list[Audit]:
        """Every audit, or the one with `audit_id`: for the command line, run where the server runs
        (whoever can run it can read the database, so no code is asked)."""
        query = select(*_AUDIT)
        if audit_id is None:
            query = query.order_by(tables.audits.c.created, tables.audits.c.name)
        else:
            query = query.where(tables.audits.c.id == audit_id)
        with self._reading() as db:
            rows = db.execute(query).all()
        return [Audit(*row) for row in rows]


_AUDIT = tuple(tables.audits.c[field.name] for field in fields(Audit))  # in Audit's order


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
