"""The database's tables brought up to date by Alembic, from code: no alembic.ini is needed.

Run when a store first opens the database, and by `provisions db upgrade`. The migrations
travel inside the package (ui/migrations), so an installed copy migrates as a checkout does.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

from provision_assistant.ui.database import shown

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
# Alembic keeps the migration under way in module globals (alembic.context, alembic.op): one at a
# time per process. Between processes, the database's own locks order them (see `upgrade`).
_ONE_AT_A_TIME = threading.Lock()


@dataclass(frozen=True)
class Upgrade:
    before: str | None  # None: a new database (or one made before migrations, now adopted)
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration: our migrations, and the connection env.py migrates."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision the package ships."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(engine: Engine) -> Upgrade:
    """Run every migration the database lacks, all in one transaction: on SQLite an IMMEDIATE one,
    on PostgreSQL one holding an advisory lock (env.py), so a second process waits, then finds
    the tables made."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with _ONE_AT_A_TIME, engine.connect() as connection:
        connection.execution_options(sqlite_immediate=True)
        with connection.begin():
            config = alembic_config(connection)
            command.upgrade(config, "head")
            after = MigrationContext.configure(connection).get_current_revision()
    done = Upgrade(config.attributes.get("before"), after)
    if done.changed:
        log.info("database %s migrated from %s to %s", shown(engine.url), done.before, after)
    return done
