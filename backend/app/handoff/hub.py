"""The console's real-time feed: one poller per backend process fans the queue, the new
messages of handed-over conversations and the new alerts (backend/app/alerts: each carries
its recipient's agent id, the websocket passes an agent only their own) out to every
connected console.

The poller wakes at once when this process stored something (`notify`, callable from the
sync routes' threads) and at least every POLL_SECONDS otherwise, so what another backend
replica stored shows within that time too. Each wake costs three indexed queries per process,
however many consoles are connected. Messages are read by `stored_at` with a look-back
window and de-duplicated by id, so a row that committed late (PostgreSQL hands out ids
before commit) is not skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from backend.app.alerts import service as alert_service
from backend.app.conversations.models import ConversationMessage
from backend.app.conversations.presenters import message_public
from backend.app.conversations.service import last_message_times
from backend.app.core.models import utcnow
from backend.app.handoff.models import OPEN_STATUSES, Handoff
from backend.app.handoff.presenters import handoff_public
from backend.app.policies.profile import PolicyProfile

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
# Messages stored this long before the previous poll are read again (late commits).
_LOOK_BACK = dt.timedelta(seconds=5)
# Conversations returned to the bot stay in the feed this long (the bot's next question).
_AFTER_CLOSE = dt.timedelta(minutes=2)
_QUEUE_SIZE = 500


class ConsoleHub:
    def __init__(self, engine: Engine, policies: Mapping[str, PolicyProfile], poll_seconds: float = POLL_SECONDS):
        self.engine = engine
        self.policies = policies
        self.poll_seconds = poll_seconds
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._last_queue: list[dict[str, Any]] | None = None
        self._sent: dict[int, dt.datetime] = {}
        self._sent_alerts: dict[int, dt.datetime] = {}
        self._since = utcnow()

    # --- from any thread -------------------------------------------------------------------
    def notify(self) -> None:
        """Something changed: wake the poller now (no-op when no console is connected)."""
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop is shutting down
            loop.call_soon_threadsafe(wake.set)

    # --- in the event loop -----------------------------------------------------------------
    async def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=_QUEUE_SIZE)
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._wake, self._task = loop, asyncio.Event(), None
        self._subscribers.add(queue)
        snapshot = await run_in_threadpool(self._queue_snapshot)
        queue.put_nowait({"type": "queue", "handoffs": snapshot})
        if self._task is None or self._task.done():
            self._since = utcnow()
            self._sent.clear()
            self._task = loop.create_task(self._run(), name="console-hub")
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._subscribers.discard(queue)

    def is_subscribed(self, queue: asyncio.Queue[dict[str, Any]]) -> bool:
        return queue in self._subscribers

    async def _run(self) -> None:
        assert self._wake is not None
        while self._subscribers:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                payloads = await run_in_threadpool(self._poll)
            except Exception:  # noqa: BLE001 - a database hiccup must not end the feed
                log.exception("console feed poll failed")
                await asyncio.sleep(self.poll_seconds)
                continue
            for payload in payloads:
                for queue in list(self._subscribers):
                    try:
                        queue.put_nowait(payload)
                    except asyncio.QueueFull:
                        # A console that does not read is dropped; it reconnects and reloads.
                        self._subscribers.discard(queue)
        self._last_queue = None

    # --- in a worker thread ----------------------------------------------------------------
    def _queue_snapshot(self) -> list[dict[str, Any]]:
        now = utcnow()
        with Session(self.engine, expire_on_commit=False) as session:
            handoffs = session.exec(
                select(Handoff)
                .where(col(Handoff.status).in_(OPEN_STATUSES))
                .order_by(col(Handoff.requested_at), col(Handoff.id))
            ).all()
            last = last_message_times(session=session, conversation_ids=[h.conversation_id for h in handoffs])
            return [
                handoff_public(h, self.policies, now=now, last_message_at=last.get(h.conversation_id)).model_dump(
                    mode="json", exclude={"waiting_seconds"}
                )
                for h in handoffs
            ]

    def _poll(self) -> list[dict[str, Any]]:
        payloads: list[dict[str, Any]] = []
        started = utcnow()
        queue = self._queue_snapshot()
        if queue != self._last_queue:
            self._last_queue = queue
            payloads.append({"type": "queue", "handoffs": queue, "at": started.isoformat()})
        since = self._since - _LOOK_BACK
        with Session(self.engine) as session:
            followed = select(Handoff.conversation_id).where(
                sa.or_(col(Handoff.status).in_(OPEN_STATUSES), col(Handoff.closed_at) >= started - _AFTER_CLOSE)
            )
            rows = session.exec(
                select(ConversationMessage)
                .where(
                    col(ConversationMessage.stored_at) >= since,
                    col(ConversationMessage.conversation_id).in_(followed),
                )
                .order_by(col(ConversationMessage.at), col(ConversationMessage.id))
            ).all()
            fresh = [row for row in rows if row.id not in self._sent]
            for row in fresh:
                assert row.id is not None
                self._sent[row.id] = row.stored_at
            messages = [message_public(row).model_dump(mode="json") for row in fresh]
        alerts = self._new_alerts(since)
        self._since = started
        horizon = started - _LOOK_BACK - dt.timedelta(seconds=1)
        for message_id in [key for key, at in self._sent.items() if at < horizon]:
            del self._sent[message_id]
        for alert_id in [key for key, at in self._sent_alerts.items() if at < horizon]:
            del self._sent_alerts[alert_id]
        if messages:
            payloads.append({"type": "messages", "messages": messages})
        if alerts:
            payloads.append({"type": "alerts", "alerts": alerts})
        return payloads

    def _new_alerts(self, since: dt.datetime) -> list[dict[str, Any]]:
        """The alerts stored in people's inboxes since the last poll, each with its agent_id."""
        with Session(self.engine) as session:
            rows = alert_service.stored_since(session=session, since=since)
        fresh = []
        for agent_id, alert in rows:
            if alert.id in self._sent_alerts:
                continue
            self._sent_alerts[alert.id] = alert.created_at
            fresh.append({**alert.model_dump(mode="json"), "agent_id": agent_id})
        return fresh


_lock = threading.Lock()


def console_hub(state: Any) -> ConsoleHub:
    """The app's hub, made on first use."""
    with _lock:
        hub: ConsoleHub | None = getattr(state, "console_hub", None)
        if hub is None:
            hub = ConsoleHub(state.engine, state.policies)
            state.console_hub = hub
        return hub
