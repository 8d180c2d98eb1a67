"""Rasa's tracker events from RabbitMQ, stored as conversation messages (production profile).

The rasa servers publish every event, reduced first (bot/runtime/pika_broker.py, `slim` of
bot/runtime/event_relay.py), as one JSON object per persistent message to the fanout exchange
RASA_EVENTS_EXCHANGE (`rasa-exchange`), bound to the durable queue RASA_EVENTS_QUEUE
(`rasa_events`). Every backend replica consumes that one queue (competing consumers):
RabbitMQ hands each message to one replica, which stores it with the same function as the
HTTP route (`store_rasa_events`).

At least once, stored once: a message is acknowledged only after the transaction that stored
it committed. A batch the database refuses for a passing reason (connection lost, locked,
deadlock) goes back to the queue (nack, requeue) and this consumer backs off; a message that
cannot be stored at all (the database rejects its values) is found by storing the batch one
message at a time, and dropped alone. Stopping (or dying) leaves the unacknowledged messages
to RabbitMQ, which hands them to another consumer. A message stored twice (committed, then the
ack was lost) adds no second transcript line (messages are unique by their event key), and
slot or pause events only set the same values again.

Exchange and queue are declared with exactly the arguments Rasa's PikaEventBroker uses
(rasa/core/brokers/pika.py: a fanout exchange that is NOT durable, a durable queue without
arguments, bound with an empty routing key): RabbitMQ refuses a redeclaration with other
properties (PRECONDITION_FAILED), and either side may start first.

Known limit: two replicas storing events of the same conversation at the same moment may
commit them in either order. Transcript lines are ordered by their own timestamps, so they are
unaffected; a pause and a resume milliseconds apart could leave the handoff's `bot_paused`
(shown on the console's card) on the earlier one until the next such event.

Message bodies are personal data: they are never logged, not even when they are invalid.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

import aio_pika
import sqlalchemy as sa
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustChannel, AbstractRobustQueue
from aio_pika.connection import make_url
from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session

from backend.app.conversations import service
from backend.app.conversations.models import RasaEvent
from backend.app.core.metrics import Metrics
from backend.app.core.models import utcnow
from backend.app.core.settings import Settings

log = logging.getLogger(__name__)

# A batch is stored in one transaction: up to this many messages, or what arrived this long
# after its first one.
BATCH_SIZE = 100
BATCH_WAIT_SECONDS = 0.025
# After a failed store: wait this long, doubling up to the maximum, before the next batch.
RETRY_SECONDS = 0.5
RETRY_MAX_SECONDS = 30.0
# RabbitMQ unreachable at start: attempts this far apart at most; afterwards aio-pika's robust
# connection reconnects (every RECONNECT_SECONDS) and restores exchange, queue and consumer.
CONNECT_TIMEOUT_SECONDS = 10.0
CONNECT_RETRY_MAX_SECONDS = 10.0
RECONNECT_SECONDS = 5.0
# How long stopping waits for the batch being stored (so that it is acknowledged).
STOP_TIMEOUT_SECONDS = 10.0

# Errors that belong to the message (its values), not to the database's state: the message
# is dropped instead of coming back for ever. Everything else is retried.
_UNSTORABLE = (DataError, IntegrityError, ValueError, TypeError)


class InvalidEvent(Exception):
    """A message that is not one Rasa event; `reason` never quotes the body."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_event(body: bytes) -> RasaEvent:
    """One message body: a UTF-8 JSON object in the RasaEvent shape."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise InvalidEvent("invalid_json") from None
    if not isinstance(data, dict):
        raise InvalidEvent("invalid_event") from None
    try:
        return RasaEvent.model_validate(data)
    except ValidationError:  # its message quotes the input: not logged
        raise InvalidEvent("invalid_event") from None


def is_enabled(settings: Settings) -> bool:
    return bool(settings.rabbitmq_url.get_secret_value().strip())


class EventConsumer:
    """One replica's consumer of the events queue, on the app's event loop; the database work
    runs in worker threads."""

    def __init__(
        self,
        *,
        url: str,
        queue: str,
        exchange: str,
        prefetch: int,
        engine: sa.Engine,
        metrics: Metrics | None = None,
        on_stored: Callable[[], None] | None = None,
        batch_size: int = BATCH_SIZE,
        batch_wait_seconds: float = BATCH_WAIT_SECONDS,
    ) -> None:
        self.url = url
        self.queue_name = queue
        self.exchange_name = exchange
        self.prefetch = prefetch
        self.engine = engine
        self.metrics = metrics
        self.on_stored = on_stored
        self.batch_size = batch_size
        self.batch_wait_seconds = batch_wait_seconds
        self._password = make_url(url).password or ""
        self._connection: aio_pika.RobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._queue: AbstractRobustQueue | None = None
        self._consumer_tag: str | None = None
        self._inbox: asyncio.Queue[AbstractIncomingMessage | None] | None = None
        self._stopping: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._retry_delay = 0.0

    @classmethod
    def from_settings(
        cls, settings: Settings, engine: sa.Engine, metrics: Metrics | None, on_stored: Callable[[], None] | None
    ) -> EventConsumer:
        return cls(
            url=settings.rabbitmq_url.get_secret_value().strip(),
            queue=settings.rasa_events_queue,
            exchange=settings.rasa_events_exchange,
            prefetch=settings.rasa_events_prefetch,
            engine=engine,
            metrics=metrics,
            on_stored=on_stored,
        )

    @property
    def connected(self) -> bool:
        """Connected to RabbitMQ and consuming (false while the robust connection reconnects)."""
        connection, channel = self._connection, self._channel
        return (
            self._consumer_tag is not None
            and connection is not None
            and not connection.is_closed
            and connection.connected.is_set()
            and channel is not None
            and not channel.is_closed
        )

    # --- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Returns at once: connecting (and retrying while RabbitMQ is unreachable) runs in the
        background, so that the app serves HTTP meanwhile (/readyz says it is not ready)."""
        self._inbox = asyncio.Queue()
        self._stopping = asyncio.Event()
        self._retry_delay = 0.0
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._connect(), name="rasa-events-connect"),
            loop.create_task(self._process(), name="rasa-events-process"),
        ]

    async def stop(self) -> None:
        """No new deliveries; the batch being stored is finished and acknowledged; closing the
        connection returns every other unacknowledged message to the queue."""
        if self._stopping is None or self._inbox is None:
            return
        self._stopping.set()
        connect, process = self._tasks
        connect.cancel()
        await asyncio.gather(connect, return_exceptions=True)
        if self._queue is not None and self._consumer_tag is not None and self.connected:
            try:
                await asyncio.wait_for(self._queue.cancel(self._consumer_tag), timeout=5)
            except Exception:  # noqa: BLE001 - closing the connection cancels it anyway
                log.debug("rasa events: consumer not cancelled before closing", exc_info=True)
        self._consumer_tag = None
        self._inbox.put_nowait(None)  # wakes the processor if it waits for a message
        done, _ = await asyncio.wait({process}, timeout=STOP_TIMEOUT_SECONDS)
        if not done:
            log.warning("rasa events: the batch being stored did not finish in %s s", STOP_TIMEOUT_SECONDS)
            process.cancel()
            await asyncio.gather(process, return_exceptions=True)
        await self._close_connection()
        self._tasks = []
        log.info("rasa events: consumer stopped")

    async def _close_connection(self) -> None:
        connection, self._connection, self._channel, self._queue = self._connection, None, None, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:  # noqa: BLE001 - closing anyway
                log.debug("rasa events: error closing the connection", exc_info=True)

    # --- connecting -------------------------------------------------------------------------

    async def _connect(self) -> None:
        delay = RETRY_SECONDS
        while True:
            try:
                await self._open()
            except asyncio.CancelledError:
                await self._close_connection()
                raise
            except Exception as exc:  # noqa: BLE001 - whatever it is, try again
                log.warning(
                    "rasa events: RabbitMQ not available (%s: %s); retrying in %.1f s",
                    type(exc).__name__,
                    self._scrub(str(exc))[:300],
                    delay,
                )
                await self._close_connection()
                await asyncio.sleep(delay)
                delay = min(delay * 2, CONNECT_RETRY_MAX_SECONDS)
                continue
            log.info(
                "rasa events: consuming queue=%s exchange=%s prefetch=%d",
                self.queue_name,
                self.exchange_name,
                self.prefetch,
            )
            return

    async def _open(self) -> None:
        # aio_pika.connect_robust() in two steps: the connection object exists before the
        # first attempt, so an attempt cancelled by stop() is closed too, not left running.
        url = make_url(self.url)
        if "reconnect_interval" not in url.query:  # RABBITMQ_URL may set it (...?reconnect_interval=2)
            url = url.update_query(reconnect_interval=RECONNECT_SECONDS)
        connection = aio_pika.RobustConnection(
            url, client_properties={"connection_name": "complaint-backend rasa-events"}
        )
        self._connection = connection
        await connection.connect(timeout=CONNECT_TIMEOUT_SECONDS)
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=self.prefetch)
        # As Rasa's PikaEventBroker declares them (see the module's docstring).
        exchange = await channel.declare_exchange(self.exchange_name, aio_pika.ExchangeType.FANOUT)
        queue = await channel.declare_queue(self.queue_name, durable=True)
        await queue.bind(exchange, routing_key="")
        self._channel, self._queue = channel, queue
        self._consumer_tag = await queue.consume(self._receive)

    async def _receive(self, message: AbstractIncomingMessage) -> None:
        assert self._inbox is not None
        self._inbox.put_nowait(message)  # at most `prefetch` unacknowledged ones exist

    def _scrub(self, text: str) -> str:
        return text.replace(self._password, "******") if self._password else text

    # --- processing -------------------------------------------------------------------------

    async def _process(self) -> None:
        assert self._stopping is not None
        while not self._stopping.is_set():
            batch = await self._next_batch()
            try:
                if batch:
                    await self._handle(batch)
            except Exception as exc:  # noqa: BLE001 - a bug must not end the consumer
                log.error("rasa events: batch of %d not handled (%s); back to the queue", len(batch), _name(exc))
                await _settle([m for m in batch if not m.processed], "nack")
                self._retry_delay = min(max(self._retry_delay * 2, RETRY_SECONDS), RETRY_MAX_SECONDS)
            if self._retry_delay and not self._stopping.is_set():
                await self._pause(self._retry_delay)

    async def _next_batch(self) -> list[AbstractIncomingMessage]:
        assert self._inbox is not None
        first = await self._inbox.get()
        if first is None:
            return []
        batch = [first]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.batch_wait_seconds
        while len(batch) < self.batch_size:
            if self._inbox.empty():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    message = await asyncio.wait_for(self._inbox.get(), timeout=remaining)
                except TimeoutError:
                    break
            else:
                message = self._inbox.get_nowait()
            if message is None:  # stop() was called: store what is here, then end
                break
            batch.append(message)
        return batch

    async def _pause(self, seconds: float) -> None:
        """Backs off after a failed store; stop() cuts it short."""
        assert self._stopping is not None
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            pass

    async def _handle(self, batch: Sequence[AbstractIncomingMessage]) -> None:
        messages: list[AbstractIncomingMessage] = []
        events: list[RasaEvent] = []
        for message in batch:
            try:
                events.append(parse_event(message.body))
            except InvalidEvent as exc:
                await self._drop(message, exc.reason)
                continue
            messages.append(message)
        if events:
            await self._store(messages, events)

    async def _store(self, messages: Sequence[AbstractIncomingMessage], events: list[RasaEvent]) -> None:
        try:
            stored = await asyncio.to_thread(self._store_in_thread, events)
        except _UNSTORABLE as exc:
            if len(events) > 1:
                # One of them, probably: each alone finds it; the others are stored.
                log.warning("rasa events: a batch of %d was refused (%s); storing one by one", len(events), _name(exc))
                for message, event in zip(messages, events, strict=True):
                    await self._store([message], [event])
                return
            await self._drop(messages[0], "unstorable", _name(exc))
            return
        except Exception as exc:  # noqa: BLE001 - the database's state: try again later
            self._retry_delay = min(max(self._retry_delay * 2, RETRY_SECONDS), RETRY_MAX_SECONDS)
            log.warning(
                "rasa events: %d not stored (%s); back to the queue, next try in %.1f s",
                len(events),
                _name(exc),
                self._retry_delay,
            )
            await _settle(messages, "nack")
            return
        self._retry_delay = 0.0
        await _settle(messages, "ack")
        if self.metrics is not None:
            self.metrics.rasa_events("rabbitmq", len(events))
        if stored.conversations and self.on_stored is not None:
            self.on_stored()
        log.debug("rasa events stored=%d messages=%d", len(events), stored.messages)

    def _store_in_thread(self, events: list[RasaEvent]) -> service.StoredEvents:
        with Session(self.engine, expire_on_commit=False) as session:
            return service.store_rasa_events(session=session, events=events, now=utcnow())

    async def _drop(self, message: AbstractIncomingMessage, reason: str, detail: str | None = None) -> None:
        # Never the body, nor the exception's text (a validation or database error quotes values).
        log.warning(
            "rasa events: message dropped (%s%s), %d bytes, redelivered=%s",
            reason,
            f": {detail}" if detail else "",
            len(message.body),
            message.redelivered,
        )
        if self.metrics is not None:
            self.metrics.rasa_events_rejected.labels(reason=reason).inc()
        await _settle([message], "reject")


def _name(exc: BaseException) -> str:
    """The exception's class names (the driver's inside SQLAlchemy's), never its message."""
    orig: Any = getattr(exc, "orig", None)
    return f"{type(exc).__name__}/{type(orig).__name__}" if orig is not None else type(exc).__name__


async def _settle(messages: Sequence[AbstractIncomingMessage], how: str) -> None:
    """ack, nack (back to the queue) or reject (dropped). A channel lost meanwhile took the
    messages back to the queue already: they come again, and are stored once regardless."""
    for message in messages:
        try:
            if how == "ack":
                await message.ack()
            elif how == "nack":
                await message.nack(requeue=True)
            else:
                await message.reject(requeue=False)
        except Exception as exc:  # noqa: BLE001
            log.warning("rasa events: %s not delivered to RabbitMQ (%s); the message will come again", how, _name(exc))
