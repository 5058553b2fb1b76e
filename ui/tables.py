"""The tables the app writes, defined once: the stores query them, and a test checks that the
migrations (ui/migrations) make exactly these.

Days and times are ISO text and flags are 0 or 1, as the SQLite file always kept them, so rows
read back the same from SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, MetaData, Table, Text, text

metadata = MetaData()

# Thumbs up or down on an answer, every text redacted.
feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("helpful", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    sqlite_autoincrement=True,  # as the first file: an id is never given again after a delete
)

# A whole-school audit; only the hash of its access code.
audits = Table(
    "audits",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("document", Text, nullable=False),
    Column("phase", Text),
    Column("code_hash", Text, nullable=False),
    Column("created", Text, nullable=False),
)

# One row per provision answered, so colleagues saving different provisions never overwrite each other.
audit_answers = Table(
    "audit_answers",
    metadata,
    Column("audit_id", Text, ForeignKey("audits.id"), primary_key=True),
    Column("unit_id", Text, primary_key=True),
    Column("status", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("updated", Text, nullable=False),
    Column("in_plan", Integer, nullable=False, server_default=text("1")),
    Column("wording", Text, nullable=False, server_default=text("''")),
)

# Requests counted per rate-limit key and fixed window, shared by every replica.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", Text, primary_key=True),
    Column("window_end", BigInteger, primary_key=True, autoincrement=False),  # Unix seconds
    Column("hits", Integer, nullable=False),
)
