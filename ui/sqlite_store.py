"""The SQLite file feedback and audits are kept in: made on first use, one writer at a time."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class SqliteStore:
    """One SQLite file. `schema`: the statements that make its tables (run on opening, so they
    say IF NOT EXISTS). `known_words`: the documents' words, which redaction keeps (not names)."""

    schema: tuple[str, ...] = ()
    # (table, column, definition): columns added after a table was first made, for older files
    added_columns: tuple[tuple[str, str, str], ...] = ()

    def __init__(self, path: Path, known_words: frozenset[str] = frozenset()) -> None:
        self.path = Path(path)
        self.known_words = known_words
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            for statement in self.schema:
                db.execute(statement)
            for table, column, definition in self.added_columns:
                if column not in {row[1] for row in db.execute(f"PRAGMA table_info({table})")}:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)
