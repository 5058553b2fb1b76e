"""Thumbs up or down on an answer, kept in SQLite without details that identify a child."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from provision_assistant.ingest.privacy import redact
from provision_assistant.ui.sqlite_store import SqliteStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    channel TEXT NOT NULL,
    helpful INTEGER NOT NULL,
    reason TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL
)
"""


class FeedbackStore(SqliteStore):
    """One SQLite file; every text is redacted before it is written."""

    schema = (_SCHEMA,)

    def add(
        self, *, question: str, answer: str, helpful: bool, reason: str = "", channel: str = "api"
    ) -> int:
        row = (
            datetime.now(UTC).strftime("%Y-%m-%d"),  # the day is enough, and says less about who asked
            channel,
            int(helpful),
            redact(reason, self.known_words),
            redact(question, self.known_words),
            redact(answer, self.known_words),
        )
        with self._lock, self._connect() as db:
            cursor = db.execute(
                "INSERT INTO feedback (created, channel, helpful, reason, question, answer)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid)

    def all(self) -> list[dict]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("SELECT * FROM feedback ORDER BY id")]
