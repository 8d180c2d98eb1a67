"""The durable outbox of registrations that wait for the backend (or for their conversation to
be told): `outbox()` is the process's store, `start_outbox` / `stop_outbox` run its delivery
loop with the action server (Sanic listeners: after_server_start, before_server_stop), and
`install(app)` registers both on a Sanic app once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from actions.outbox.conversation import ConversationNotifier
from actions.outbox.settings import OutboxSettings
from actions.outbox.store import DELIVERED, PENDING, Entry, OutboxStore
from actions.outbox.worker import OutboxWorker
from bot.backend import BackendClient

__all__ = ["DELIVERED", "PENDING", "Entry", "OutboxStore", "install", "outbox", "start_outbox", "stop_outbox"]

logger = logging.getLogger(__name__)
_store: OutboxStore | None = None


def outbox() -> OutboxStore:
    """The store of this process (ACTIONS_OUTBOX_URL), opened on first use."""
    global _store
    if _store is None:
        _store = OutboxStore(OutboxSettings.from_env().url)
    return _store


async def start_outbox(app: Any, _loop: Any = None) -> None:
    """after_server_start: the delivery loop runs in the server's loop until stop_outbox."""
    settings = OutboxSettings.from_env()
    worker = OutboxWorker(
        outbox(),
        BackendClient(),
        ConversationNotifier(settings.rasa_url, settings.rasa_token),
        retry_seconds=settings.retry_seconds,
        retry_max_seconds=settings.retry_max_seconds,
    )
    app.ctx.outbox_worker = worker
    app.ctx.outbox_task = asyncio.get_running_loop().create_task(worker.run())
    logger.info("outbox delivery loop started")


async def stop_outbox(app: Any, _loop: Any = None) -> None:
    """before_server_stop: ends the loop after its current row (a row left mid-way is taken
    again when its lease runs out)."""
    worker = getattr(app.ctx, "outbox_worker", None)
    task = getattr(app.ctx, "outbox_task", None)
    if worker is None or task is None:
        return
    worker.stop()
    try:
        await asyncio.wait_for(task, timeout=10)
    except asyncio.TimeoutError:
        task.cancel()
    app.ctx.outbox_worker = app.ctx.outbox_task = None


def install(app: Any) -> None:
    """Registers start_outbox and stop_outbox on the Sanic app, once however often called."""
    if getattr(app.ctx, "outbox_installed", False):
        return
    app.register_listener(start_outbox, "after_server_start")
    app.register_listener(stop_outbox, "before_server_stop")
    app.ctx.outbox_installed = True
