"""bot.runtime.patches.sqlite_tracker puts Rasa's SQL tracker store on SQLite in WAL mode with
synchronous=NORMAL, and conversations still round-trip through it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime.patches import sqlite_tracker

ROOT = Path(__file__).resolve().parents[4]


def test_tracker_store_on_sqlite_uses_wal_and_keeps_conversations(tmp_path):
    sqlite_tracker.install()
    path = tmp_path / "tracker.db"
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(path))
    tracker = DialogueStateTracker.from_events(
        "customer-1",
        [
            ActionExecuted("action_listen"),
            UserUttered("Здравствуйте", {"name": "greet", "confidence": 1.0}),
            SlotSet("language", "ru"),
        ],
    )
    asyncio.run(store.save(tracker))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    again = asyncio.run(store.retrieve("customer-1"))
    assert again.get_slot("language") == "ru"
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["Здравствуйте"]
    # Another connection (another process) reads what was committed.
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT count(*) FROM events WHERE sender_id = 'customer-1'").fetchone()[0] >= 3


def test_other_databases_are_left_alone():
    """A PostgreSQL (or any non-SQLite) connection gets no PRAGMA."""

    class Connection:
        cursors = 0

        def cursor(self):
            Connection.cursors += 1
            raise AssertionError("a cursor was opened on a non-SQLite connection")

    sqlite_tracker._on_connect(Connection(), None)
    assert Connection.cursors == 0
