"""The database feedback, audits and shared rate-limit counters are kept in: SQLite, or PostgreSQL
when several replicas share one. Its tables are made and changed by the migrations (ui/migrations),
run the first time a process opens it.
"""

from __future__ import annotations

import functools
import logging
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.sql.dml import Insert

from provision_assistant.ingest.errors import ProvisionsError

log = logging.getLogger(__name__)
DIALECTS = ("sqlite", "postgresql")  # the two whose upsert the stores use
SETTING = "PROVISIONS_DATABASE_URL"
_EXAMPLE = "e.g. postgresql+psycopg://user:password@host/provisions, or sqlite:////path/to/file.sqlite3"


class DatabaseError(ProvisionsError):
    """The database cannot be opened or reached; the message never shows its password."""


def shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def parse_url(database: str | Path) -> URL:
    """The URL of a database given as a URL or as a SQLite file's path."""
    if isinstance(database, Path):
        return URL.create("sqlite", database=str(database))
    try:
        url = make_url(database)
    except (ArgumentError, ValueError) as exc:
        # Not even shown hidden: text that is no URL may be a password pasted in the wrong place.
        raise DatabaseError(f"{SETTING} is not a database URL ({_EXAMPLE})") from exc
    if url.get_backend_name() not in DIALECTS:
        raise DatabaseError(
            f"{SETTING} names a {url.get_backend_name()!r} database; only SQLite and PostgreSQL are "
            f"supported ({_EXAMPLE})"
        )
    return url


def make_engine(database: str | Path) -> Engine:
    """A new engine, its tables not yet checked (see `open_engine`)."""
    url = parse_url(database)
    try:
        if url.get_backend_name() == "sqlite":
            return _sqlite_engine(url)
        # Replicas outlive connections a server or a proxy closes: test each before use.
        return create_engine(url, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise DatabaseError(f"{SETTING}: no driver for {url.drivername!r} is installed ({_EXAMPLE})") from exc


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        folder = Path(url.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot make the database's folder {folder}: {exc.strerror}") from exc
    # Another writer holds the file for a moment at most: wait, as the first store did, not fail.
    engine = create_engine(url, connect_args={"timeout": 10})

    # sqlite3 left to itself begins no transaction for DDL, so two processes migrating one new file
    # could interleave; SQLAlchemy's own BEGIN (IMMEDIATE for a migration) makes each one whole.
    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection, record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


_migrated: weakref.WeakSet[Engine] = weakref.WeakSet()
_opening = threading.Lock()  # so two stores opening at once migrate once


def open_engine(database: str | Path | Engine) -> Engine:
    """An engine over the database with its tables up to date: migrated once per engine. URLs and
    paths share one engine per process, so feedback, audits and the rate limit share one pool."""
    engine = database if isinstance(database, Engine) else _shared_engine(database)
    with _opening:
        if engine not in _migrated:
            from provision_assistant.ui.migrate import upgrade

            with failures_named(engine):
                upgrade(engine)
            _migrated.add(engine)
    return engine


@functools.lru_cache(maxsize=32)
def _shared_engine(database: str | Path) -> Engine:
    return make_engine(database)


@contextmanager
def failures_named(engine: Engine) -> Iterator[None]:
    """A database that cannot be reached as one message naming it (its password hidden)."""
    try:
        yield
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        if engine.url.password:  # a driver may echo what it was given
            reason = reason.replace(str(engine.url.password), "***")
        raise DatabaseError(f"cannot use the database {shown(engine.url)} ({SETTING}): {reason}") from exc


def dialect_insert(engine: Engine, table: Table) -> Insert:
    """An INSERT that can take `on_conflict_do_update`: each supported dialect has its own."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


class Store:
    """A store over the database (a URL, a SQLite file's path, or an engine). `known_words`: the
    documents' words, which redaction keeps (they are not names)."""

    def __init__(self, database: str | Path | Engine, known_words: frozenset[str] = frozenset()) -> None:
        self.engine = open_engine(database)
        self.known_words = known_words

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with failures_named(self.engine), self.engine.connect() as connection:
            yield connection

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with failures_named(self.engine), self.engine.begin() as connection:
            yield connection
