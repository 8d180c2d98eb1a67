"""Rasa's Redis lock store with its read-modify-write steps made atomic.

Rasa 3.6's RedisLockStore keeps a conversation's ticket lock as one JSON value and changes it
by get -> change -> set. Two rasa servers taking a message of the same conversation at the same
moment both read the lock before either writes it: the second write drops the first ticket,
both servers believe they are first, both handle the conversation at once, and the tracker
store keeps only one of the two turns (reproduced by tests/scaled: a customer message vanished
from the tracker although both servers answered). The same race drops a ticket when one server
cleans up (deletes the lock: "nobody waiting") while another issues a ticket.

Here every change of the lock happens in a Redis transaction (WATCH the key, MULTI/EXEC,
retry when another server changed it in between), so tickets are never lost: the messages of
one conversation are handled one after the other whichever servers take them.

A ticket lives TICKET_LOCK_LIFETIME seconds from the moment it is issued, in Rasa: a turn that
takes longer (an action waiting on a slow backend, a server starved of CPU), or a message that
waits longer than that behind another, loses its ticket, and the next message of the
conversation is handled at the same time on another server; the SQL tracker store then keeps
only one of the two turns (its save appends the events beyond the count already stored), so a
message or a backend notification is answered yet missing from the conversation (seen in
tests/scaled/test_failover.py). Here a ticket is renewed every third of its lifetime for as
long as its server waits for it or holds it: a living server never loses its place, and the
lifetime only bounds how long a server that died holding a ticket blocks the conversation.

deploy/endpoints.production.yml:

    lock_store:
      type: bot.runtime.lock_store.AtomicRedisLockStore
      url: ${REDIS_HOST}
      port: ${REDIS_PORT}
      db: ${REDIS_LOCK_DB}
      key_prefix: complaints
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from redis.exceptions import WatchError

logger = logging.getLogger(__name__)

T = TypeVar("T")
_MAX_RETRIES = 100
_DELETE = object()


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        # Rasa builds a lock store named by module path with its endpoint configuration.
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _transact(self, conversation_id: str, change: Callable[[TicketLock | None], tuple[Any, T]]) -> T:
        """Applies `change` to the stored lock atomically. `change` returns (what to store: a
        TicketLock, None for no write, or _DELETE, and the value to return)."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            for _ in range(_MAX_RETRIES):
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    store, result = change(lock)
                    pipe.multi()
                    if store is _DELETE:
                        pipe.delete(key)
                    elif store is not None:
                        pipe.set(key, store.dumps())
                    pipe.execute()
                    return result
                except WatchError:
                    continue  # another server changed the lock meanwhile: read it again
        raise LockError(f"the lock of a conversation kept changing ({_MAX_RETRIES} attempts)")

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._transact(conversation_id, change)
        except LockError:
            raise
        except Exception as error:  # noqa: BLE001 - Rasa expects a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def change(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_expired_tickets()
            return lock, None

        self._transact(conversation_id, change)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def change(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return lock, None

        self._transact(conversation_id, change)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Removes the ticket and, in the same transaction, the lock when nobody else waits."""

        def change(lock: TicketLock | None) -> tuple[Any, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else _DELETE), None

        self._transact(conversation_id, change)

    def renew_ticket(self, conversation_id: str, ticket_number: int, lifetime: float) -> bool:
        """Moves the expiry of a living ticket to `lifetime` seconds from now; False when the
        ticket is gone or already expired (it is never brought back: another message may be
        served by now)."""

        def change(lock: TicketLock | None) -> tuple[TicketLock | None, bool]:
            ticket = next((t for t in lock.tickets if t.number == ticket_number), None) if lock else None
            if ticket is None or ticket.has_expired():
                return None, False
            ticket.expires = max(ticket.expires, time.time() + lifetime)
            return lock, True

        return self._transact(conversation_id, change)

    async def _keep_alive(self, conversation_id: str, ticket_number: int, lifetime: float) -> None:
        every = lifetime / 3
        while True:
            await asyncio.sleep(every)
            try:
                alive = self.renew_ticket(conversation_id, ticket_number, lifetime)
            except Exception as error:  # noqa: BLE001 - Redis away: try again at the next beat
                logger.warning("could not renew a conversation lock ticket: %s", type(error).__name__)
                continue
            if not alive:
                # Not the conversation id in the log: on WhatsApp it is the customer's number.
                logger.warning("a conversation lock ticket expired before it was renewed (%.0f s lifetime)", lifetime)
                return

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's LockStore.lock, with the ticket renewed while it waits and while it is served."""
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        keeper = asyncio.create_task(self._keep_alive(conversation_id, ticket, lock_lifetime))
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            keeper.cancel()
            self.cleanup(conversation_id, ticket)
