"""Prometheus metrics of one backend process, served at `GET /metrics` (text exposition format).

`/metrics` has no authentication: it shows counts and route templates, never a person, but it
is for the internal network only (Prometheus scrapes each replica directly; the public
balancer must not route it).

Each app has a registry of its own, not prometheus_client's global one: tests (and the
benchmarks) create several apps in one process, and each must count its own. Counters are
per process: sum them over the replicas. `handoffs_waiting` is read from the database at
scrape time, so every replica reports the same number: aggregate it with max, not sum. One
uvicorn worker per replica (scripts/run-backend.sh) keeps a scrape and the counters in the
same process; with `--workers N` a scrape would see one worker's counters only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

RASA_EVENT_SOURCES = ("http", "rabbitmq")
# Anything else a client sends as a method is one label value, not one each.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Requests that matched no route (scanners, typos): one label value, never the URL.
UNMATCHED = "unmatched"


class Metrics:
    """The app's registry and the metrics the code increments."""

    def __init__(self, collectors: Iterable[Collector] = ()) -> None:
        """`collectors`: what is read at scrape time (the handoff queue, from the database)."""
        self.registry = CollectorRegistry()
        self.complaints_registered = Counter(
            "complaints_registered_total",
            "Complaints registered (an idempotent replay is not a new one).",
            ["policy", "channel"],
            registry=self.registry,
        )
        self.notifications_sent = Counter(
            "notifications_sent_total",
            "Notifications delivered, by kind and the route that delivered them.",
            ["kind", "route"],
            registry=self.registry,
        )
        self.notifications_failed = Counter(
            "notifications_failed_total",
            "Notifications failed for good (every attempt used), by kind and planned route.",
            ["kind", "route"],
            registry=self.registry,
        )
        self.rasa_events_stored = Counter(
            "rasa_events_stored_total",
            "Rasa tracker events in committed batches, by how they arrived.",
            ["source"],
            registry=self.registry,
        )
        self.rasa_events_rejected = Counter(
            "rasa_events_rejected_total",
            "RabbitMQ messages dropped (not requeued): not JSON, not an event, or not storable.",
            ["reason"],
            registry=self.registry,
        )
        self.http_request_duration = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency, by route template (never the concrete URL), method and status class.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        for source in RASA_EVENT_SOURCES:  # present from the start, so that rate() has a zero
            self.rasa_events_stored.labels(source=source)
        for collector in collectors:
            self.registry.register(collector)

    def complaint_registered(self, policy: str, channel: str) -> None:
        self.complaints_registered.labels(policy=policy, channel=channel).inc()

    def notification_outcome(self, kind: str, route: str | None, sent: bool) -> None:
        counter = self.notifications_sent if sent else self.notifications_failed
        counter.labels(kind=kind, route=route or "none").inc()

    def rasa_events(self, source: str, count: int) -> None:
        self.rasa_events_stored.labels(source=source).inc(count)

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """The exposition the scraper asked for (Prometheus text by default) and its content type."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type


class RequestMetrics:
    """Times every HTTP request, labelled with the route's path template (`/api/complaints/
    {tracking_number}`), so tracking numbers, ids and names never become label values."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # websockets last as long as the console is open
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            # The router set scope["route"] on the scope it shares with us, once matched.
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            method = scope["method"] if scope["method"] in _METHODS else "other"
            self.metrics.http_request_duration.labels(
                route=route, method=method, status=f"{(status or 500) // 100}xx"
            ).observe(time.perf_counter() - started)


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


MetricsDep = Annotated[Metrics, Depends(get_metrics)]

router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
def metrics_endpoint(request: Request, metrics: MetricsDep) -> Response:
    """Prometheus scrape target (internal network only; see the module's docstring)."""
    body, content_type = metrics.render(request.headers.get("accept"))
    return Response(content=body, media_type=content_type)
