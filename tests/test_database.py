"""The database feedback and audits are kept in: SQLite or PostgreSQL, made by the migrations,
files from before migrations adopted, replicas writing at once, and one message for a bad URL."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from subprocess import PIPE

import pytest
from sqlalchemy import inspect, make_url

from provision_assistant.ingest.errors import ProvisionsError
from provision_assistant.ingest.settings import Settings
from provision_assistant.ui.audit_store import AuditStore
from provision_assistant.ui.cli import main
from provision_assistant.ui.database import DatabaseError, make_engine
from provision_assistant.ui.feedback import FeedbackStore
from provision_assistant.ui.migrate import head, upgrade
from provision_assistant.ui.tables import metadata

pytestmark = pytest.mark.unit

# The tables as the code before migrations made them: audit_answers without in_plan and wording.
OLD_FEEDBACK = (
    "CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL,"
    " channel TEXT NOT NULL, helpful INTEGER NOT NULL, reason TEXT NOT NULL, question TEXT NOT NULL,"
    " answer TEXT NOT NULL)"
)
OLD_AUDITS = (
    "CREATE TABLE IF NOT EXISTS audits (id TEXT PRIMARY KEY, name TEXT NOT NULL, document TEXT NOT NULL,"
    " phase TEXT, code_hash TEXT NOT NULL, created TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS audit_answers (audit_id TEXT NOT NULL REFERENCES audits(id), unit_id TEXT"
    " NOT NULL, status TEXT NOT NULL, note TEXT NOT NULL, updated TEXT NOT NULL,"
    " PRIMARY KEY (audit_id, unit_id))",
)


def settings_for(tmp_path, **overrides) -> Settings:
    return Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus", **overrides)


def test_feedback_is_numbered_redacted_and_read_back_alike(any_database):
    store = FeedbackStore(any_database)
    first = store.add(
        question="Jamie Smith in 8C will not eat lunch", answer="Try the quiet area.", helpful=True
    )
    second = store.add(
        question="Quiet area?", answer="Yes.", helpful=False, reason="too vague", channel="chat"
    )
    rows = FeedbackStore(any_database).all()
    assert [r["id"] for r in rows] == [first, second] and first < second
    assert rows[0]["helpful"] == 1 and rows[1]["helpful"] == 0 and rows[1]["channel"] == "chat"
    assert "Jamie" not in rows[0]["question"] and "[name]" in rows[0]["question"]
    assert set(rows[0]) == {"id", "created", "channel", "helpful", "reason", "question", "answer"}


def test_the_migrations_make_exactly_the_tables_the_code_defines(any_database):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(any_database)
    try:
        done = upgrade(engine)
        assert (done.before, done.after) == (None, head())
        with engine.connect() as db:
            assert compare_metadata(MigrationContext.configure(db), metadata) == []
        assert not upgrade(engine).changed  # a second run has nothing to do
    finally:
        engine.dispose()


def test_a_file_from_before_migrations_keeps_its_rows_and_gains_the_columns_and_a_revision(tmp_path):
    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as db:
        for statement in (OLD_FEEDBACK, *OLD_AUDITS):
            db.execute(statement)
        db.execute("INSERT INTO feedback VALUES (7, '2026-05-01', 'api', 1, '', 'question', 'answer')")
        db.execute("INSERT INTO audits VALUES ('a1', 'Summer', 'framework', NULL, 'hash', '2026-06-01')")
        db.execute("INSERT INTO audit_answers VALUES ('a1', 'u1', 'partly', 'a note', '2026-06-01')")
    db.close()
    url = f"sqlite:///{path}"
    assert [r["id"] for r in FeedbackStore(url).all()] == [7]
    store = AuditStore(url)
    [audit] = store.audits("a1")
    kept = store.answers(audit)["u1"]
    assert (kept.status, kept.note, kept.in_plan, kept.wording) == ("partly", "a note", True, "")
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(audit_answers)")}
        revision = db.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    db.close()
    assert {"in_plan", "wording"} <= columns and revision == head()
    assert FeedbackStore(url).add(question="q", answer="a", helpful=True) == 8


def test_a_file_with_only_the_feedback_table_gains_the_audit_tables(tmp_path):
    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as db:  # the old FeedbackStore made its table alone
        db.execute(OLD_FEEDBACK)
        db.execute("INSERT INTO feedback VALUES (1, '2026-05-01', 'api', 0, '', 'question', 'answer')")
    db.close()
    store = AuditStore(f"sqlite:///{path}")
    audit, code = store.create("Autumn", "framework", None)
    assert store.open(audit.id, code) == audit
    assert len(FeedbackStore(f"sqlite:///{path}").all()) == 1


@pytest.mark.slow
def test_replicas_starting_together_migrate_once_between_them(any_database):
    """Two processes (alembic runs one migration per process) upgrade one new database at once:
    a lock (PostgreSQL's advisory lock, SQLite's on the file) lets one make the tables; the other
    waits, then finds them made."""
    env = {**os.environ, "PROVISIONS_DATABASE_URL": any_database}
    command = [sys.executable, "-m", "provision_assistant.ui.cli", "db", "upgrade"]
    replicas = [subprocess.Popen(command, env=env, stdout=PIPE, stderr=PIPE, text=True) for _ in range(2)]
    said = [replica.communicate(timeout=120) for replica in replicas]
    assert [r.returncode for r in replicas] == [0, 0], said
    outs = sorted(out for out, _ in said)
    assert "Already at revision" in outs[0] and f"from revision none to {head()}" in outs[1], outs
    password = make_url(any_database).password
    assert password is None or all(password not in out for out in outs)


@pytest.mark.integration
def test_replicas_writing_at_once_lose_nothing(postgres_database):
    """Two replicas (separate engines, so separate connections) save feedback and answers to one
    audit at once, one provision by both."""
    engines = [make_engine(postgres_database) for _ in range(2)]
    audit, _ = AuditStore(engines[0]).create("Spring", "framework", None)
    start, failures = threading.Barrier(2), []

    def replica(engine, name: str) -> None:
        try:
            feedback, audits = FeedbackStore(engine), AuditStore(engine)
            start.wait()
            for n in range(20):
                feedback.add(question=f"{name} question {n}", answer="answer", helpful=n % 2 == 0)
                audits.answer(audit, f"{name}{n}", "partly")
                audits.answer(audit, "shared", "in_place", f"{name} {n}")
        except Exception as exc:  # reported below, with the replica's name
            failures.append((name, exc))

    threads = [threading.Thread(target=replica, args=pair) for pair in zip(engines, "ab", strict=True)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        answers = AuditStore(postgres_database).answers(audit)
        assert len(FeedbackStore(postgres_database).all()) == 40
        assert len(answers) == 41 and answers["shared"].note in {"a 19", "b 19"}
    finally:
        for engine in engines:
            engine.dispose()


def test_provisions_db_upgrade_makes_a_new_file_and_says_its_revision(tmp_path, capsys):
    settings = settings_for(tmp_path, feedback_file=tmp_path / "new" / "feedback.sqlite3")
    assert main(["db", "upgrade"], settings) == 0
    out = capsys.readouterr().out
    assert f"Database: sqlite:///{tmp_path}/new/feedback.sqlite3" in out
    assert f"from revision none to {head()}" in out
    assert main(["db", "upgrade"], settings) == 0
    assert f"Already at revision {head()}" in capsys.readouterr().out
    engine = make_engine(settings.database)
    assert {"feedback", "audits", "audit_answers", "rate_limits"} <= set(inspect(engine).get_table_names())
    engine.dispose()


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql+psycopg://staff:s3cret-pw@127.0.0.1:1/provisions", "cannot use the database"),
        ("s3cret-pw", "is not a database URL"),
        ("mysql://staff:s3cret-pw@db/provisions", "only SQLite and PostgreSQL"),
        ("postgresql+nodriver://staff:s3cret-pw@db/provisions", "no driver"),
    ],
)
def test_a_bad_database_url_is_one_line_naming_the_setting_without_the_password(tmp_path, capsys, url, said):
    settings = settings_for(tmp_path, database_url=url)
    for command in (["db", "upgrade"], ["audit", "list"]):
        assert main(command, settings) == 1
        err = capsys.readouterr().err
        assert said in err and "PROVISIONS_DATABASE_URL" in err, err
        assert "s3cret" not in err and "Traceback" not in err and err.count("\n") == 1, err
    with pytest.raises(DatabaseError) as raised:
        FeedbackStore(url)
    assert isinstance(raised.value, ProvisionsError) and "s3cret" not in str(raised.value)


@pytest.mark.integration
def test_a_wrong_password_is_named_without_showing_it(postgres_server):
    url = postgres_server.url().replace(postgres_server.password, "wrong-s3cret")
    with pytest.raises(DatabaseError, match="password authentication failed") as raised:
        AuditStore(url)
    assert "wrong-s3cret" not in str(raised.value) and "***@127.0.0.1" in str(raised.value)
