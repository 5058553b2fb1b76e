"""Alembic's migrations of the app's database, run by `provision_assistant.ui.migrate`.

A new revision is a file in versions/ whose `down_revision` is the newest one's (script.py.mako
is its template); tests/test_database.py checks that the revisions make the tables ui/tables.py
defines.
"""
