"""Thumbs up or down on an answer, kept in the database without details that identify a child."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from provision_assistant.ingest.privacy import redact
from provision_assistant.ui.database import Store
from provision_assistant.ui.tables import feedback


class FeedbackStore(Store):
    """The feedback table; every text is redacted before it is written."""

    def add(
        self, *, question: str, answer: str, helpful: bool, reason: str = "", channel: str = "api"
    ) -> int:
        row = {
            # the day is enough, and says less about who asked
            "created": datetime.now(UTC).strftime("%Y-%m-%d"),
            "channel": channel,
            "helpful": int(helpful),
            "reason": redact(reason, self.known_words),
            "question": redact(question, self.known_words),
            "answer": redact(answer, self.known_words),
        }
        with self._writing() as db:
            return int(db.execute(insert(feedback).values(row)).inserted_primary_key[0])

    def all(self) -> list[dict]:
        with self._reading() as db:
            return [dict(r._mapping) for r in db.execute(select(feedback).order_by(feedback.c.id))]
