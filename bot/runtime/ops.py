"""Health, readiness and Prometheus metrics of a rasa server, for load balancers and scrapers.

Rasa mounts every channel under /webhooks/<name>/, so `bot.runtime.ops.OpsInput` in
credentials.yml gives:

- GET /webhooks/ops/health   liveness: the process answers (200).
- GET /webhooks/ops/ready    readiness: the model is loaded and the shared stores answer (the
  tracker store's database, the Redis lock store, the RabbitMQ broker when configured); 503
  with the failing parts otherwise. HAProxy routes only to ready servers (deploy/haproxy.cfg).
- GET /webhooks/ops/metrics  Prometheus text format: customer turns by channel and outcome,
  reply time (from the message's arrival to the last reply sent), turns in progress
  (bot.runtime.metrics), collector pauses. For the internal network only, like Rasa's own API.

`OpsRootInput` serves the same at /healthz, /readyz and /metrics.

Every rasa server of this project has this channel, and Rasa builds the channels of
credentials.yml before it loads the agent, the tracker store and the lock store: so building
it is where the runtime patches are installed (bot.runtime.patches.install_all), and its
server-start listener freezes the loaded heap out of garbage collection (gc_pauses). Its
before-start listener also bounds request bodies on the whole server (bot.runtime.body_limit).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import text

from bot.runtime import patches
from bot.runtime.body_limit import limit_body, max_body_bytes
from bot.runtime.metrics import Handler
from bot.runtime.patches import gc_pauses

logger = logging.getLogger(__name__)

_CHECK_TIMEOUT = 3.0


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


def _add_routes(bp: Blueprint, health: str, ready: str, metrics: str, max_body: int) -> Blueprint:
    @bp.listener("before_server_start")
    async def bound_the_bodies(app: Any, _loop: Any) -> None:
        limit_body(app, max_body)  # RASA_MAX_BODY_BYTES on every route of the server

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


class OpsInput(InputChannel):
    """/webhooks/ops/health, /webhooks/ops/ready, /webhooks/ops/metrics."""

    ROUTES = ("/health", "/ready", "/metrics")

    def __init__(self) -> None:
        # Before the agent, the tracker store and the lock store exist (see the module's docstring).
        patches.install_all()
        self.max_body = max_body_bytes()  # a bad RASA_MAX_BODY_BYTES stops the start here

    @classmethod
    def name(cls) -> str:
        return "ops"

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        return _add_routes(Blueprint(f"{self.name()}_webhook", __name__), *self.ROUTES, self.max_body)


class OpsRootInput(OpsInput):
    """The same at the addresses operators scrape by habit, as the backend has them: /healthz,
    /readyz and /metrics at the root of the rasa server (Rasa's own API uses none of them)."""

    ROUTES = ("/healthz", "/readyz", "/metrics")

    @classmethod
    def name(cls) -> str:
        return "ops_root"

    def url_prefix(self) -> str:
        return "/"  # Rasa joins it onto /webhooks/: "/" is the root
