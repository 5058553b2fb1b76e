"""A real PostgreSQL for the tests: one throwaway server per session, one fresh database per test.

`postgres_server` runs initdb into a temporary folder and starts `postgres` on a free loopback
port (its socket in that folder too, so it meets no other server), with a password, as a
deployment has. PostgreSQL refuses to run as root: as root the server runs as `nobody`.
`postgres_url` is one database for the session; `postgres_database` an empty one per test;
`any_database` an empty SQLite file, then an empty PostgreSQL database.
Skipped, saying why, where the PostgreSQL binaries are missing.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import URL, create_engine, text

from provision_assistant.evals.serving import free_port

BINARIES = ("initdb", "pg_ctl", "postgres")
SEARCH_PATH = os.pathsep.join(["/usr/local/bin", os.environ.get("PATH", "")])
UNPRIVILEGED = "nobody"


@dataclass(frozen=True)
class PostgresServer:
    port: int
    user: str
    password: str

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL (password included) of one of the server's databases."""
        url = URL.create("postgresql+psycopg", self.user, self.password, "127.0.0.1", self.port, database)
        return url.render_as_string(hide_password=False)

    def create_database(self) -> str:
        """A new, empty database; its URL."""
        name = f"test_{secrets.token_hex(6)}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        # FORCE: engines a test left open (the stores share one per URL) must not keep it alive.
        self._admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')

    def _admin(self, statement: str) -> None:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as db:
                db.execute(text(statement))
        finally:
            engine.dispose()


def _as_unprivileged(command: list[str]) -> list[str]:
    return ["runuser", "-u", UNPRIVILEGED, "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str], **kwargs) -> None:
    done = subprocess.run(_as_unprivileged(command), capture_output=True, text=True, timeout=120, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr[-2000:]}")


def _binaries() -> dict[str, str]:
    found = {name: shutil.which(name, path=SEARCH_PATH) for name in BINARIES}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        pytest.skip(f"PostgreSQL is not installed: no {', '.join(missing)} in /usr/local/bin or on PATH")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("PostgreSQL will not run as root, and runuser (to run it as nobody) is missing")
    return found


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    binaries = _binaries()
    # Not pytest's tmp_path: its folders are root's alone, and the server runs as nobody.
    root = Path(tempfile.mkdtemp(prefix="provisions-postgres-"))
    if os.geteuid() == 0:
        shutil.chown(root, UNPRIVILEGED)
    data, password = root / "data", secrets.token_urlsafe(16)
    server = PostgresServer(free_port(), "provisions", password)
    (root / "password").write_text(password)
    if os.geteuid() == 0:
        shutil.chown(root / "password", UNPRIVILEGED)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    try:
        initdb = [binaries["initdb"], "-D", str(data), "-U", server.user, f"--pwfile={root / 'password'}"]
        settings = ["--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C.UTF-8"]
        _run([*initdb, *settings, "--no-sync", "--no-instructions"], env=env, cwd=root)
        options = f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        _run(
            [binaries["pg_ctl"], "-D", str(data), "-l", str(root / "log"), "-o", options, "-w", "start"],
            env=env,
            cwd=root,
        )
    except RuntimeError as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"could not start a test PostgreSQL: {exc}")
    try:
        yield server
    finally:
        subprocess.run(
            _as_unprivileged([binaries["pg_ctl"], "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            env=env,
            cwd=root,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """One database for the whole session: postgresql+psycopg://provisions:…@127.0.0.1:PORT/DB."""
    return postgres_server.create_database()


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> Iterator[str]:
    """An empty database of its own for one test (dropped after it); its URL."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def any_database(request, tmp_path: Path) -> str:
    """An empty database of each kind the app supports, as its URL: a test using it runs once each."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'provisions.sqlite3'}"
    return request.getfixturevalue("postgres_database")
