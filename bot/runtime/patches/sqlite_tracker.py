# Changes: the SQLite connections of rasa.core.tracker_store.SQLTrackerStore (rollback journal with
# synchronous=FULL: each turn's commit waits for fsyncs on the event loop).
# Shown by: tests/rasa_bot/runtime/patches/test_sqlite_tracker.py (WAL mode, conversations still
# round-trip); measured by `make bench-load` (docs/scale-out.md).
"""Rasa's SQL tracker store on SQLite (the default profile) in write-ahead-log mode.

Rasa's SQLTrackerStore saves every turn with a commit made on the event loop. In SQLite's
default rollback-journal mode with synchronous=FULL a commit waits for several fsyncs, and
while it waits no other conversation moves: `do_commit` was 6-7% of the rasa server's busy
samples under `make bench-load` (py-spy), all of it blocking. In WAL mode with
synchronous=NORMAL a commit appends to the log without waiting for the disk; the database
stays consistent, and a commit survives a crash of the process (`kill -9`). What it gives up:
the last turns before a power cut or a kernel crash may be lost - never a complaint, which
the backend stores in its own database with synchronous=FULL.

`install()` adds an SQLAlchemy "connect" listener for every engine of the rasa process that
talks to SQLite (Rasa's tracker store opens a connection per operation); PostgreSQL and other
databases are left untouched.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_installed = False


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def install() -> None:
    global _installed
    if not _installed:
        event.listen(Engine, "connect", _on_connect)
        _installed = True
