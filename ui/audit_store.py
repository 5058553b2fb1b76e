"""Whole-school audits, kept in SQLite beside the feedback: an audit, and one answer per provision.

Several colleagues work on one audit through its id and an access code (only the code's hash
is kept). Each answer is its own row, written by an upsert, so two people saving different
provisions at once both keep theirs. Notes are about the school's practice, never a pupil's:
they are redacted as feedback is. The schema is plain SQL that a server database also reads.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from provision_assistant.ingest.errors import ProvisionsError
from provision_assistant.ingest.privacy import redact
from provision_assistant.retrieval.audit import STATUSES
from provision_assistant.retrieval.audit_plan import AnswerState
from provision_assistant.ui.sqlite_store import SqliteStore

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS audits (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        document TEXT NOT NULL,
        phase TEXT,
        code_hash TEXT NOT NULL,
        created TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS audit_answers (
        audit_id TEXT NOT NULL REFERENCES audits(id),
        unit_id TEXT NOT NULL,
        status TEXT NOT NULL,
        note TEXT NOT NULL,
        updated TEXT NOT NULL,
        in_plan INTEGER NOT NULL DEFAULT 1,
        wording TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (audit_id, unit_id)
    )""",
)
# Columns added after audits were first kept: (table, column, definition) for files made before.
_ADDED = (
    ("audit_answers", "in_plan", "INTEGER NOT NULL DEFAULT 1"),
    ("audit_answers", "wording", "TEXT NOT NULL DEFAULT ''"),
)
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


class AuditStore(SqliteStore):
    """One SQLite file (the feedback file by default)."""

    schema = _SCHEMA
    added_columns = _ADDED

    def create(self, name: str, document: str, phase: str | None) -> tuple[Audit, str]:
        """A new audit and its access code (shown once: only its hash is kept)."""
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME:
            raise AuditError(f"an audit needs a name of 1 to {MAX_NAME} characters")
        audit = Audit(secrets.token_urlsafe(12), name, document, phase, _today())
        code = secrets.token_urlsafe(9)
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT INTO audits (id, name, document, phase, code_hash, created)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (audit.id, audit.name, audit.document, audit.phase, _hash(code), audit.created),
            )
        return audit, code

    def open(self, audit_id: str, code: str) -> Audit:
        """The audit, if the code is its own; otherwise one message, whichever was wrong."""
        with self._connect() as db:
            row = db.execute(
                "SELECT id, name, document, phase, created, code_hash FROM audits WHERE id = ?", (audit_id,)
            ).fetchone()
        if row is None or not hmac.compare_digest(row[5], _hash(code)):
            raise AuditError("no audit with that id and access code")
        return Audit(*row[:5])

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
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT INTO audit_answers (audit_id, unit_id, status, note, updated, in_plan, wording)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (audit_id, unit_id) DO UPDATE SET"
                " status = excluded.status, note = excluded.note, updated = excluded.updated,"
                " in_plan = excluded.in_plan, wording = excluded.wording",
                (audit.id, unit_id, kept.status, kept.note, kept.updated, int(in_plan), wording),
            )
        return kept

    def answers(self, audit: Audit) -> dict[str, AnswerState]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT unit_id, status, note, updated, in_plan, wording FROM audit_answers"
                " WHERE audit_id = ?",
                (audit.id,),
            ).fetchall()
        return {
            uid: AnswerState(
                status=status, note=note, updated=updated, in_plan=bool(planned), wording=wording
            )
            for uid, status, note, updated, planned, wording in rows
        }

    def audits(self, audit_id: str | None = None) -> list[Audit]:
        """Every audit, or the one with `audit_id`: for the command line, run where the file is
        (whoever can run it can read the file, so no code is asked)."""
        query = "SELECT id, name, document, phase, created FROM audits"
        with self._connect() as db:
            if audit_id is None:
                rows = db.execute(f"{query} ORDER BY created, name").fetchall()
            else:
                rows = db.execute(f"{query} WHERE id = ?", (audit_id,)).fetchall()
        return [Audit(*row) for row in rows]


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
