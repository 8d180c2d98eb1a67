"""Rasa's tracker store (RASA_TRACKER_URL): a conversation's events, erased with the customer and
purged with the transcripts.

The table is Rasa 3.6's SQLTrackerStore `events` (one row per event, `sender_id` the
conversation id, `timestamp` seconds since the epoch), named here as a plain Table: the backend
never imports rasa. A tracker database or table that does not exist (Rasa never ran, or another
tracker store type) holds nothing to delete.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

import sqlalchemy as sa

log = logging.getLogger(__name__)

EVENTS = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
)
# Conversation ids per statement (SQLite allows 32766 bound parameters, PostgreSQL 65535).
_CHUNK = 500


class TrackerStoreUnavailable(Exception):
    """The tracker database could not be reached: nothing was deleted there."""


def engine_for(url: str | None) -> sa.Engine | None:
    """An engine on the tracker database; None when there is none (no URL, SQLite file absent).
    Rasa's `postgresql://` URLs name no driver: the backend's is psycopg 3."""
    if not url:
        return None
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:" or not Path(parsed.database).exists():
            return None
        engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool)
        # The deleted events are overwritten, not left in the file's free space.
        sa.event.listen(engine, "connect", lambda connection, _record: connection.execute("PRAGMA secure_delete=ON"))
        return engine
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return sa.create_engine(parsed, poolclass=sa.pool.NullPool)


def _with_table(url: str | None, work: Callable[[sa.Connection], int]) -> int:
    engine = engine_for(url)
    if engine is None:
        return 0
    try:
        with engine.begin() as connection:
            if not sa.inspect(connection).has_table(EVENTS.name):
                return 0
            return work(connection)
    except sa.exc.SQLAlchemyError as exc:
        # The message may name the database's address, never a conversation: type only.
        log.error("tracker store unreachable (%s)", type(exc).__name__)
        raise TrackerStoreUnavailable from exc
    finally:
        engine.dispose()


def delete_conversations(url: str | None, conversation_ids: Iterable[str]) -> int:
    """Deletes every event of these conversations; the number of rows deleted."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return 0

    def work(connection: sa.Connection) -> int:
        deleted = 0
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            deleted += connection.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(chunk))).rowcount or 0
        return deleted

    return _with_table(url, work)


def quiet_conversations(url: str | None, before: dt.datetime) -> list[str]:
    """The conversations whose last event is older than `before`."""
    found: list[str] = []

    def work(connection: sa.Connection) -> int:
        statement = (
            sa.select(EVENTS.c.sender_id)
            .group_by(EVENTS.c.sender_id)
            .having(sa.func.max(EVENTS.c.timestamp) < before.timestamp())
        )
        found.extend(connection.execute(statement).scalars())
        return len(found)

    _with_table(url, work)
    return found
