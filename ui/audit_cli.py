"""`provisions audit`: list the audits kept and export one's action plan, where the server runs.

Whoever can run this can read the database itself, so no access code is asked; the
audit's id is on its page. The plan is read against the index as it is now, as the page reads it.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from provision_assistant.ingest.settings import Settings
from provision_assistant.ui.audit_export import FORMATS

if TYPE_CHECKING:
    from provision_assistant.ui.audit_store import Audit, AuditStore


def add_audit_arguments(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser("audit", help="whole-school audits: list them, export an action plan")
    actions = audit.add_subparsers(dest="audit_command", required=True)
    actions.add_parser("list", help="every audit kept: id, day started, framework, phase, name")
    export = actions.add_parser("export", help="an audit's action plan as Markdown, PDF or CSV")
    export.add_argument("audit_id", help="the audit's id (on its page, or from `provisions audit list`)")
    export.add_argument("--format", choices=sorted(FORMATS), default="md", help="default: md")
    export.add_argument(
        "--output", type=Path, help="file to write (default: standard output; a PDF needs a file)"
    )


def run_audit_command(args: argparse.Namespace, settings: Settings) -> int:
    from provision_assistant.ui.audit_store import AuditError, AuditStore
    from provision_assistant.ui.database import shown

    store = AuditStore(settings.database)
    if args.audit_command == "list":
        for audit in store.audits():
            print(
                f"{audit.id}  {audit.created}  {audit.document}  {audit.phase or 'all phases'}  {audit.name}"
            )
        return 0
    if args.format == "pdf" and args.output is None and sys.stdout.isatty():
        raise AuditError("a PDF is not for the terminal: give --output FILE (or redirect the output)")
    found = store.audits(args.audit_id)
    if not found:
        raise AuditError(f"no audit {args.audit_id!r} in {shown(store.engine.url)}")
    body = _export(found[0], args.format, settings, store)
    if args.output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    else:
        try:
            args.output.write_bytes(body)
        except OSError as exc:
            raise AuditError(f"cannot write the plan to {args.output}: {exc.strerror}") from exc
        print(f"Wrote the action plan for {found[0].name!r} to {args.output}", file=sys.stderr)
    return 0


def _export(audit: Audit, format: str, settings: Settings, store: AuditStore) -> bytes:
    from provision_assistant.retrieval.catalogue import read_catalogue
    from provision_assistant.retrieval.templates import load_templates
    from provision_assistant.ui.audit_book import AuditBook
    from provision_assistant.ui.audit_export import exported, load_audit_templates

    book = AuditBook(read_catalogue(settings), store, load_templates(settings.prompts_dir))
    plan = book.plan(audit)
    return exported(
        plan, load_audit_templates(settings.prompts_dir), format, date.today().strftime("%d %B %Y")
    )
