"""The outbox table: registrations the backend has not confirmed yet, or whose customer has not
been told yet, on disk (SQLite under var/ by default, PostgreSQL in the scale-out profile).

SQLAlchemy 1.4 Core, synchronous (callers run it in a thread). Several action servers may share
the table: a row is claimed with a compare-and-set UPDATE on its lease (works on SQLite and
PostgreSQL alike), so two servers never handle one row at once. A row holds the complaint's
personal data: it is deleted as soon as the customer has been told, and no method logs it
(the engine hides statement parameters from its errors too).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, and_, create_engine, or_, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError

PENDING = "pending"  # the backend has not answered it yet
DELIVERED = "delivered"  # the backend answered (registered or refused); the customer is to be told

metadata = MetaData()
outbox_table = Table(
    "actions_outbox",
    metadata,
    Column("idempotency_key", String(64), primary_key=True),
    Column("conversation_id", String(200), nullable=False, index=True),
    Column("channel", String(32), nullable=False),
    Column("language", String(8)),
    Column("payload", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False, index=True),
    Column("lease_owner", String(64)),
    Column("lease_until", Float),
    Column("delivered_at", Float),
)


@dataclass(frozen=True)
class Entry:
    idempotency_key: str
    conversation_id: str
    channel: str
    language: str | None
    payload: dict[str, Any]
    created_at: float
    state: str = PENDING
    attempts: int = 0
    delivered_at: float | None = None

    def __repr__(self) -> str:  # never the payload or the conversation id in a log line
        return f"Entry(key={self.idempotency_key[:8]}..., state={self.state}, attempts={self.attempts})"


def _entry(row: Any) -> Entry:
    return Entry(
        idempotency_key=row.idempotency_key,
        conversation_id=row.conversation_id,
        channel=row.channel,
        language=row.language,
        payload=json.loads(row.payload),
        created_at=row.created_at,
        state=row.state,
        attempts=row.attempts,
        delivered_at=row.delivered_at,
    )


class OutboxStore:
    def __init__(self, url: str, *, lease_seconds: float = 120.0) -> None:
        self.url = make_url(url)
        self.lease_seconds = lease_seconds
        connect_args = {"timeout": 30} if self.url.get_backend_name() == "sqlite" else {}
        self.engine: Engine = create_engine(
            self.url, future=True, hide_parameters=True, pool_pre_ping=True, connect_args=connect_args
        )
        self._created = False

    def _ready(self) -> Engine:
        if not self._created:
            database = self.url.database if self.url.get_backend_name() == "sqlite" else None
            if database and database != ":memory:":
                os.makedirs(os.path.dirname(os.path.abspath(database)), exist_ok=True)
            try:
                metadata.create_all(self.engine)
            except DBAPIError:
                # Another action server created it at the same moment (PostgreSQL): it exists now.
                metadata.create_all(self.engine)
            if database and database != ":memory:":
                os.chmod(database, 0o600)  # personal data: readable by the service's user only
            self._created = True
        return self.engine

    def dispose(self) -> None:
        self.engine.dispose()

    # --- the action ----------------------------------------------------------------------------

    def put(self, entry: Entry) -> bool:
        """Adds the registration, due at once; False when its key is already waiting."""
        values = {
            "idempotency_key": entry.idempotency_key,
            "conversation_id": entry.conversation_id,
            "channel": entry.channel,
            "language": entry.language,
            "payload": json.dumps(entry.payload, ensure_ascii=False),
            "created_at": entry.created_at,
            "state": entry.state,
            "attempts": entry.attempts,
            "next_attempt_at": entry.created_at,
        }
        try:
            with self._ready().begin() as conn:
                conn.execute(outbox_table.insert().values(**values))
        except IntegrityError:
            return False
        return True

    def delivered_for(self, conversation_id: str) -> list[Entry]:
        """The conversation's registrations the backend has answered, oldest first."""
        query = (
            select(outbox_table)
            .where(outbox_table.c.conversation_id == conversation_id, outbox_table.c.state == DELIVERED)
            .order_by(outbox_table.c.created_at)
        )
        with self._ready().connect() as conn:
            return [_entry(row) for row in conn.execute(query)]

    def remove(self, key: str) -> bool:
        """Deletes the row (and its personal data), whoever holds its lease."""
        with self._ready().begin() as conn:
            return conn.execute(outbox_table.delete().where(outbox_table.c.idempotency_key == key)).rowcount > 0

    def discard_pending(self, key: str, now: float | None = None) -> bool:
        """Deletes the row if the backend has not seen it and no server is sending it now."""
        now = time.time() if now is None else now
        query = outbox_table.delete().where(
            outbox_table.c.idempotency_key == key,
            outbox_table.c.state == PENDING,
            or_(outbox_table.c.lease_until.is_(None), outbox_table.c.lease_until < now),
        )
        with self._ready().begin() as conn:
            return conn.execute(query).rowcount > 0

    def get(self, key: str) -> Entry | None:
        with self._ready().connect() as conn:
            row = conn.execute(select(outbox_table).where(outbox_table.c.idempotency_key == key)).first()
        return _entry(row) if row else None

    # --- the delivery loop ---------------------------------------------------------------------

    def claim(self, owner: str, now: float, limit: int = 10) -> list[Entry]:
        """Takes the lease of up to `limit` due rows that nobody holds; a row whose lease ran out
        (its server died mid-delivery) is due again."""
        free = or_(outbox_table.c.lease_until.is_(None), outbox_table.c.lease_until < now)
        candidates = (
            select(outbox_table.c.idempotency_key)
            .where(outbox_table.c.next_attempt_at <= now, free)
            .order_by(outbox_table.c.next_attempt_at)
            .limit(limit)
        )
        claimed: list[Entry] = []
        with self._ready().connect() as conn:
            keys = [row.idempotency_key for row in conn.execute(candidates)]
        for key in keys:
            take = (
                outbox_table.update()
                .where(and_(outbox_table.c.idempotency_key == key, free))
                .values(lease_owner=owner, lease_until=now + self.lease_seconds)
            )
            with self._ready().begin() as conn:
                if conn.execute(take).rowcount != 1:
                    continue  # another server took it between the two statements
                row = conn.execute(select(outbox_table).where(outbox_table.c.idempotency_key == key)).first()
            claimed.append(_entry(row))
        return claimed

    def _update_held(self, key: str, owner: str, **values: Any) -> bool:
        query = (
            outbox_table.update()
            .where(outbox_table.c.idempotency_key == key, outbox_table.c.lease_owner == owner)
            .values(**values)
        )
        with self._ready().begin() as conn:
            return conn.execute(query).rowcount == 1

    def mark_delivered(self, key: str, owner: str, now: float) -> bool:
        """The backend answered: the row now waits for the customer to be told (lease kept).
        False when the row is gone (the customer's own retry told them) or the lease was lost."""
        return self._update_held(key, owner, state=DELIVERED, attempts=0, delivered_at=now)

    def retry_later(self, key: str, owner: str, next_attempt_at: float) -> bool:
        """Releases the lease and counts the attempt; the row is due again at `next_attempt_at`."""
        return self._update_held(
            key,
            owner,
            attempts=outbox_table.c.attempts + 1,
            next_attempt_at=next_attempt_at,
            lease_owner=None,
            lease_until=None,
        )
