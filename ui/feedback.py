"""Thumbs up or down on an answer, kept in SQLite without details that identify a child."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from provision_assistant.ingest.privacy import redact

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


class FeedbackStore:
    """One SQLite file; every text is redacted before it is written."""

    def __init__(self, path: Path, known_words: frozenset[str] = frozenset()) -> None:
        self.path = Path(path)
        self.known_words = known_words
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

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
