"""`provisions db upgrade`: bring the database's tables up to date before replicas start.

The server migrates on its own when it first opens the database; an operator runs this to do it
at a time of their choosing (before a release), and to see which revision the database is at.
"""

from __future__ import annotations

import argparse

from provision_assistant.ingest.settings import Settings


def add_db_arguments(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser(
        "db", help="the database of feedback, audits and rate limits (PROVISIONS_DATABASE_URL)"
    )
    actions = db.add_subparsers(dest="db_command", required=True)
    actions.add_parser("upgrade", help="make or update its tables to the newest revision")


def run_db_command(args: argparse.Namespace, settings: Settings) -> int:
    from provision_assistant.ui.database import failures_named, make_engine, shown
    from provision_assistant.ui.migrate import upgrade

    engine = make_engine(settings.database)
    try:
        with failures_named(engine):
            done = upgrade(engine)
    finally:
        engine.dispose()
    print(f"Database: {shown(engine.url)}")
    if done.changed:
        print(f"Upgraded from revision {done.before or 'none'} to {done.after} (the newest).")
    else:
        print(f"Already at revision {done.after} (the newest); nothing to do.")
    return 0
