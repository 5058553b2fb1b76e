"""Rate-limit counters in the database, so every replica of the server counts against one limit.

A `limits` storage (what slowapi counts with) for the fixed-window strategy: one row per key
and window, its count raised by an atomic upsert, so replicas counting at once lose no request.
Windows are aligned to the clock (a minute's ends on the minute), so every replica agrees on
which window a request falls in without asking the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from limits.storage import Storage
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import SQLAlchemyError

from provision_assistant.ui.database import dialect_insert, open_engine
from provision_assistant.ui.tables import rate_limits

log = logging.getLogger(__name__)
SCHEME = "provisions-database"
SWEEP_SECONDS = 60.0  # how often a process deletes the counters of windows that have ended


def window_end(now: float, expiry: int) -> int:
    """The end (Unix seconds) of the `expiry`-second window holding `now`."""
    return (int(now) // expiry + 1) * expiry


class DatabaseStorage(Storage):
    """`Limiter(storage_uri="provisions-database://", storage_options={"database": url or engine})`.
    `clock`: the time now, in seconds (tests pass their own)."""

    STORAGE_SCHEME = (SCHEME,)  # registers the class with `limits` under this URI scheme

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        *,
        database: str | Path | Engine,
        clock: Callable[[], float] = time.time,
        **options: float | str | bool,
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.engine = open_engine(database)
        self.clock = clock
        self._swept = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self.clock()
        upsert = dialect_insert(self.engine, rate_limits).values(
            key=key, window_end=window_end(now, int(expiry)), hits=amount
        )
        upsert = upsert.on_conflict_do_update(
            index_elements=[rate_limits.c.key, rate_limits.c.window_end],
            set_={"hits": rate_limits.c.hits + upsert.excluded.hits},
        ).returning(rate_limits.c.hits)
        with self.engine.begin() as db:
            hits = db.execute(upsert).scalar_one()
        if now - self._swept >= SWEEP_SECONDS:
            self._sweep(now)
        return hits

    def get(self, key: str) -> int:
        row = self._current(key, self.clock())
        return 0 if row is None else row.hits

    def get_expiry(self, key: str) -> float:
        now = self.clock()
        row = self._current(key, now)
        return now if row is None else float(row.window_end)

    def check(self) -> bool:
        try:
            with self.engine.connect() as db:
                db.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as db:
            return db.execute(delete(rate_limits)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as db:
            db.execute(delete(rate_limits).where(rate_limits.c.key == key))

    def _current(self, key: str, now: float):
        # A key's windows all have the limit's length (it is part of the key): one can be open.
        query = (
            select(rate_limits.c.hits, rate_limits.c.window_end)
            .where(rate_limits.c.key == key, rate_limits.c.window_end > now)
            .order_by(rate_limits.c.window_end.desc())
            .limit(1)
        )
        with self.engine.connect() as db:
            return db.execute(query).first()

    def _sweep(self, now: float) -> None:
        self._swept = now
        with self.engine.begin() as db:
            gone = db.execute(delete(rate_limits).where(rate_limits.c.window_end <= now)).rowcount
        log.debug("deleted %d ended rate-limit windows", gone)
