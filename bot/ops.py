"""Health, readiness and Prometheus metrics of a rasa server, for load balancers and scrapers.

Rasa mounts every channel under /webhooks/<name>/, so `bot.ops.OpsInput` in credentials.yml
gives:

- GET /webhooks/ops/health   liveness: the process answers (200).
- GET /webhooks/ops/ready    readiness: the model is loaded and the shared stores answer (the
  tracker store's database, the Redis lock store, the RabbitMQ broker when configured); 503
  with the failing parts otherwise. HAProxy routes only to ready servers (deploy/haproxy.cfg).
- GET /webhooks/ops/metrics  Prometheus text format: customer turns by channel and outcome,
  reply time (from the message's arrival to the last reply sent), turns in progress. For
  the internal network only, like Rasa's own API.

The channels of this project wrap their handler with `timed(...)`, so every customer message
on the web chat, Telegram, WhatsApp and REST (`TimedRestInput`) is counted, whichever rasa
server takes it. `OpsRootInput` serves the same at /healthz, /readyz and /metrics. Importing
this module also installs bot.action_validation (action server responses checked by a
validator built once), bot.event_types (event classes found by name from a table),
bot.sqlite_tracker (an SQLite tracker store in write-ahead-log mode), bot.external_once (a
backend notification enters a conversation once, however often it is sent) and bot.gc_pauses
(collector pauses timed on /metrics; the heap alive once the model is loaded is frozen out of
later collections).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import text

from bot import action_validation, event_types, external_once, gc_pauses, sqlite_tracker

logger = logging.getLogger(__name__)

# Every rasa server of this project loads this channel (before its agent and tracker store):
# the rasa-side speed-ups and guards go in here, each in its own module with its own tests.
action_validation.install()
event_types.install()
sqlite_tracker.install()
external_once.install()
gc_pauses.install()

TURNS = Counter("rasa_turns_total", "Customer messages handled", ["channel", "outcome"])
TURN_SECONDS = Histogram(
    "rasa_turn_seconds",
    "From a customer message's arrival to the last reply sent",
    ["channel"],
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0, 30.0),
)
IN_PROGRESS = Gauge("rasa_turns_in_progress", "Customer messages being handled now")
_CHECK_TIMEOUT = 3.0

Handler = Callable[[UserMessage], Awaitable[Any]]


def timed(channel: str, on_new_message: Handler) -> Handler:
    """The channel's handler, counted and timed."""

    async def handle(message: UserMessage) -> Any:
        started = time.perf_counter()
        IN_PROGRESS.inc()
        outcome = "error"
        try:
            result = await on_new_message(message)
            outcome = "ok"
            return result
        finally:
            IN_PROGRESS.dec()
            TURNS.labels(channel, outcome).inc()
            TURN_SECONDS.labels(channel).observe(time.perf_counter() - started)
            gc_pauses.after_turn()

    return handle


def _inner_tracker_store(store: Any) -> Any:
    # The agent wraps the configured store (FailSafeTrackerStore, AwaitableTrackerStore).
    for _ in range(4):
        inner = getattr(store, "_tracker_store", None)
        if inner is None:
            return store
        store = inner
    return store


async def readiness(agent: Any) -> dict[str, str]:
    """Each part: "ok" or what is wrong (no personal data: these are infrastructure errors)."""
    parts: dict[str, str] = {}
    if agent is None or not agent.is_ready():
        return {"model": "not loaded"}
    parts["model"] = "ok"

    store = _inner_tracker_store(agent.tracker_store)
    engine = getattr(store, "engine", None)
    if engine is not None:

        def ping_database() -> None:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))

        parts["tracker_store"] = await _check(asyncio.to_thread(ping_database))
    broker = getattr(store, "event_broker", None) or getattr(agent.tracker_store, "event_broker", None)
    if broker is not None:
        parts["event_broker"] = "ok" if broker.is_ready() else "not connected"
    redis = getattr(agent.lock_store, "red", None)
    if redis is not None:
        parts["lock_store"] = await _check(asyncio.to_thread(redis.ping))
    return parts


async def _check(awaitable: Awaitable[Any]) -> str:
    try:
        await asyncio.wait_for(awaitable, _CHECK_TIMEOUT)
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return type(error).__name__
    return "ok"


def _add_routes(bp: Blueprint, health: str, ready: str, metrics: str) -> Blueprint:
    @bp.listener("after_server_start")
    async def freeze_the_loaded_heap(_app: Any, _loop: Any) -> None:
        gc_pauses.freeze_at_start()  # the agent was loaded before the server started

    @bp.route(health, methods=["GET"])
    async def health_check(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @bp.route(ready, methods=["GET"])
    async def ready_check(request: Request) -> HTTPResponse:
        parts = await readiness(getattr(request.app.ctx, "agent", None))
        ok = all(value == "ok" for value in parts.values())
        if not ok:
            logger.warning("not ready: %s", {k: v for k, v in parts.items() if v != "ok"})
        return response.json({"status": "ok" if ok else "unavailable", "parts": parts}, status=200 if ok else 503)

    @bp.route(metrics, methods=["GET"])
    async def prometheus(_: Request) -> HTTPResponse:
        return response.raw(generate_latest(), content_type=CONTENT_TYPE_LATEST)

    return bp


class TimedRestInput(RestInput):
    """Rasa's REST channel (same name, same /webhooks/rest/webhook), its turns counted and timed."""

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        return super().blueprint(timed(self.name(), on_new_message))


class OpsInput(InputChannel):
    """/webhooks/ops/health, /webhooks/ops/ready, /webhooks/ops/metrics."""

    @classmethod
    def name(cls) -> str:
        return "ops"

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        return _add_routes(Blueprint("ops_webhook", __name__), "/health", "/ready", "/metrics")


class OpsRootInput(InputChannel):
    """The same at the addresses operators scrape by habit, as the backend has them: /healthz,
    /readyz and /metrics at the root of the rasa server (Rasa's own API uses none of them)."""

    @classmethod
    def name(cls) -> str:
        return "ops_root"

    def url_prefix(self) -> str:
        return "/"  # Rasa joins it onto /webhooks/: "/" is the root

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        return _add_routes(Blueprint("ops_root", __name__), "/healthz", "/readyz", "/metrics")
