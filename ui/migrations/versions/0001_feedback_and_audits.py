"""Feedback and whole-school audits: the tables the SQLite file had before migrations.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS: a file from before migrations may hold some of these already (see env.py).
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("helpful", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sqlite_autoincrement=True,
        if_not_exists=True,
    )
    op.create_table(
        "audits",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("phase", sa.Text),
        sa.Column("code_hash", sa.Text, nullable=False),
        sa.Column("created", sa.Text, nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "audit_answers",
        sa.Column("audit_id", sa.Text, sa.ForeignKey("audits.id"), primary_key=True),
        sa.Column("unit_id", sa.Text, primary_key=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("updated", sa.Text, nullable=False),
        sa.Column("in_plan", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("wording", sa.Text, nullable=False, server_default=sa.text("''")),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_table("audit_answers")
    op.drop_table("audits")
    op.drop_table("feedback")
