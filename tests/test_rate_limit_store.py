"""Rate-limit counters in the database: fixed windows on the clock, counted atomically, shared by
every replica when PROVISIONS_SHARED_RATE_LIMIT is on."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from provision_assistant.ingest.settings import Settings
from provision_assistant.ui.database import make_engine
from provision_assistant.ui.rate_limit_store import DatabaseStorage, window_end
from provision_assistant.ui.tables import rate_limits

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_windows_end_on_the_clock_so_every_replica_agrees():
    assert window_end(1_000_000_000.5, 60) == 1_000_000_020
    assert window_end(1_000_000_020.0, 60) == 1_000_000_080
    assert window_end(59.9, 60) == 60 and window_end(60, 60) == 120


def test_a_key_counts_within_its_window_and_starts_again_in_the_next(tmp_path):
    clock = Clock(6_000.0)  # a window's start
    storage = DatabaseStorage(database=f"sqlite:///{tmp_path / 'limits.sqlite3'}", clock=clock)
    assert storage.check() and storage.get("k") == 0 and storage.get_expiry("k") == clock.now
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.incr("k", 60, amount=2) == 5 and storage.incr("other", 60) == 1
    assert storage.get("k") == 5 and storage.get_expiry("k") == 6_060.0
    clock.now = 6_060.0  # the next window: a new count; the last one's row is swept
    assert storage.get("k") == 0 and storage.incr("k", 60) == 1
    assert storage.reset() == 1  # this window's "k": the last window's rows were swept
    storage.incr("k", 60)
    storage.clear("k")
    assert storage.get("k") == 0 and storage.get("other") == 0


@pytest.mark.integration
def test_replicas_counting_at_once_lose_no_request(postgres_database):
    """Each replica its own engine, so its own connections: the upsert alone keeps the count."""
    storages = [DatabaseStorage(database=make_engine(postgres_database)) for _ in range(2)]
    start, seen = threading.Barrier(2), []

    def count(storage) -> None:
        start.wait()
        seen.extend(storage.incr("LIMITER/key:abc/1/day", 86_400) for _ in range(50))

    threads = [threading.Thread(target=count, args=(s,)) for s in storages]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(1, 101)) and storages[1].get("LIMITER/key:abc/1/day") == 100
    for storage in storages:
        storage.engine.dispose()


def app_for(tmp_path, database: str, shared: bool):
    from provision_assistant.ui.api import create_app

    settings = Settings(
        index_dir=tmp_path / "index",
        database_url=database,
        rate_limit="3/day",  # a day: the window will not end halfway through the test
        shared_rate_limit=shared,
        reload_seconds=0,
    )
    return create_app(settings, chat=False)


@pytest.mark.integration
@pytest.mark.parametrize("shared", [True, False], ids=["shared", "each-alone"])
def test_two_replicas_share_one_limit_when_the_setting_is_on(tmp_path, postgres_database, shared):
    # No lifespan, so no model loads: every call answers 503 "still loading", and is counted.
    replicas = [TestClient(app_for(tmp_path, postgres_database, shared)) for _ in range(2)]
    headers = {"X-API-Key": "one-key"}
    codes = [replicas[n % 2].get("/api/documents", headers=headers).status_code for n in range(6)]
    if shared:
        assert codes == [503, 503, 503, 429, 429, 429]
        refused = replicas[0].get("/api/documents", headers=headers).json()["detail"]
        assert refused == "too many requests from this API key: the limit is 3/day (PROVISIONS_RATE_LIMIT)"
        engine = make_engine(postgres_database)
        with engine.connect() as db:
            kept = db.execute(select(rate_limits.c.key, rate_limits.c.hits)).all()
        engine.dispose()
        assert [hits for _, hits in kept] == [7] and "one-key" not in kept[0].key  # a digest of it
    else:
        assert codes == [503] * 6  # three each: neither replica has reached its own limit
