"""Alembic's environment: run on the connection `migrate.upgrade` hands in, inside its transaction.

On PostgreSQL an advisory lock held to the end of that transaction makes replicas starting
together migrate one after another; the later ones find the tables made and do nothing.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import inspect, text

from provision_assistant.ui.tables import metadata

LOCK_KEY = 7_306_288_144_913_413_003  # any constant every replica shares (fits a bigint)
BASELINE = "0001"
# What the code before migrations made, with the columns it added later by ALTER TABLE.
OLD_TABLES = frozenset({"feedback", "audits", "audit_answers"})
OLD_ADDED_COLUMNS = (("in_plan", "INTEGER NOT NULL DEFAULT 1"), ("wording", "TEXT NOT NULL DEFAULT ''"))


def adopt_old_tables(connection) -> None:
    """A file made before migrations has tables but no alembic_version: finish it as the old code
    did (adding the audit columns it lacks) and stamp the baseline, whose tables it has, unless it
    lacks some (the old code made feedback's and audits' tables separately): then the baseline,
    which makes only missing tables, runs."""
    names = set(inspect(connection).get_table_names())
    if "alembic_version" in names or not names & OLD_TABLES:
        return
    if "audit_answers" in names:
        present = {c["name"] for c in inspect(connection).get_columns("audit_answers")}
        for column, definition in OLD_ADDED_COLUMNS:
            if column not in present:
                connection.exec_driver_sql(f"ALTER TABLE audit_answers ADD COLUMN {column} {definition}")
    if names >= OLD_TABLES:
        context.get_context().stamp(context.script, BASELINE)


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("these migrations run on a connection: use provision_assistant.ui.migrate")
    context.configure(connection=connection, target_metadata=metadata)
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    context.config.attributes["before"] = context.get_context().get_current_revision()
    adopt_old_tables(connection)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
