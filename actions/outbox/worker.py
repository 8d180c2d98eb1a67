"""The delivery loop each action server runs: claims due outbox rows (lease), posts a waiting
registration to the backend with its own idempotency key (a delivery whose answer was lost
registers nothing new the next time), then has the conversation told through Rasa. The row is
removed by action_submit_complaint when it has told the customer; until then the loop tries
again with a doubling delay, across restarts of any process (the rows are on disk).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable

from actions.outbox.conversation import ConversationNotifier, RasaUnavailable
from actions.outbox.store import DELIVERED, Entry, OutboxStore
from bot.backend import BackendClient, BackendRejected, BackendUnavailable

logger = logging.getLogger(__name__)

# A customer not reached for a week after the registration (conversation gone, channel closed)
# will not be: the complaint is registered and its notifications reach them; the data goes.
TELL_FOR_SECONDS = 7 * 24 * 3600
# Answers that mean "not now" rather than "never": the row is delivered again later.
RETRYABLE = {408, 425, 429}


class OutboxWorker:
    def __init__(
        self,
        store: OutboxStore,
        client: BackendClient,
        notifier: ConversationNotifier,
        *,
        retry_seconds: float,
        retry_max_seconds: float,
        poll_seconds: float = 1.0,
        clock: Callable[[], float] = time.time,
        owner: str | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.notifier = notifier
        self.retry_seconds = retry_seconds
        self.retry_max_seconds = retry_max_seconds
        self.poll_seconds = poll_seconds
        self.clock = clock
        self.owner = owner or uuid.uuid4().hex
        self._stopping = asyncio.Event()

    def delay(self, attempts: int) -> float:
        """Seconds before the next try after `attempts` failed ones: doubling, capped."""
        return min(self.retry_max_seconds, self.retry_seconds * 2 ** min(attempts, 30))

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception as exc:  # noqa: BLE001 - the loop outlives a database hiccup
                logger.warning("outbox pass failed: %s", type(exc).__name__)
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=self.poll_seconds)
            except asyncio.TimeoutError:
                pass

    def stop(self) -> None:
        self._stopping.set()

    async def run_once(self) -> int:
        """One pass over the due rows; returns how many it handled."""
        rows = await asyncio.to_thread(self.store.claim, self.owner, self.clock())
        for entry in rows:
            try:
                await self._handle(entry)
            except Exception as exc:  # noqa: BLE001 - one bad row must not stop the others
                logger.warning("outbox row %s failed: %s", entry.idempotency_key[:8], type(exc).__name__)
                await self._later(entry)
        return len(rows)

    async def _later(self, entry: Entry, at_least: float = 0.0) -> None:
        when = self.clock() + max(at_least, self.delay(entry.attempts))
        await asyncio.to_thread(self.store.retry_later, entry.idempotency_key, self.owner, when)

    async def _handle(self, entry: Entry) -> None:
        key = entry.idempotency_key
        if entry.state != DELIVERED:
            try:
                await self.client.register_complaint(entry.payload, idempotency_key=key, attempts=1)
            except BackendUnavailable:
                logger.info("outbox: backend still unavailable for %s (attempt %d)", key[:8], entry.attempts + 1)
                return await self._later(entry)
            except BackendRejected as rejected:
                if rejected.status in RETRYABLE:
                    return await self._later(entry, _seconds(rejected.retry_after))
                # Refused for good: the conversation is told so (the action gets the same answer).
                logger.info("outbox: backend refused %s with %s", key[:8], rejected.status)
            now = self.clock()
            if not await asyncio.to_thread(self.store.mark_delivered, key, self.owner, now):
                return  # the customer's own retry told them meanwhile, or the lease ran out
            entry = Entry(**{**entry.__dict__, "state": DELIVERED, "attempts": 0, "delivered_at": now})
            logger.info("outbox: %s delivered to the backend", key[:8])
        if self.clock() - (entry.delivered_at or entry.created_at) > TELL_FOR_SECONDS:
            logger.warning("outbox: %s never reached its conversation; dropped", key[:8])
            await asyncio.to_thread(self.store.remove, key)
            return
        try:
            await self.notifier.retry_registration(entry.conversation_id)
        except RasaUnavailable as exc:
            logger.info("outbox: conversation of %s not told yet (%s)", key[:8], exc)
            return await self._later(entry)
        # The triggered action removes the row once it has told the customer; still here means
        # it could not (backend away again, conversation paused): later.
        if await asyncio.to_thread(self.store.get, key) is not None:
            await self._later(entry)
        else:
            logger.info("outbox: %s told to its conversation", key[:8])


def _seconds(retry_after: str | None) -> float:
    try:
        return float(retry_after or 0)
    except ValueError:
        return 0.0
