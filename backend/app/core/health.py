"""Liveness (/healthz: the database answers) and readiness (/readyz) of a backend replica."""

import logging
from typing import Literal, Protocol

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from backend.app.core.db import schema_is_current
from backend.app.core.deps import SessionDep

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


class EventConsumer(Protocol):
    """The app's RabbitMQ consumer, as readiness sees it (backend.app.conversations.consumer)."""

    @property
    def connected(self) -> bool: ...


class HealthStatus(BaseModel):
    status: Literal["ok", "unavailable"]


@router.get("/healthz", responses={503: {"model": HealthStatus}})
def healthz(session: SessionDep, response: Response) -> HealthStatus:
    try:
        session.scalar(text("SELECT 1"))
    except SQLAlchemyError:
        log.warning("health check: database unreachable", exc_info=True)
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return HealthStatus(status="unavailable")
    return HealthStatus(status="ok")


class ReadinessChecks(BaseModel):
    database: Literal["ok", "unavailable"]
    # "behind": the database is not at the alembic head this code expects (not migrated yet,
    # or migrated further by a newer release); "unknown": the database did not answer.
    migrations: Literal["ok", "behind", "unknown"]
    # "off": RABBITMQ_URL is empty, events come over HTTP.
    event_consumer: Literal["ok", "disconnected", "off"]


class ReadinessStatus(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: ReadinessChecks


@router.get("/readyz", responses={503: {"model": ReadinessStatus}})
def readyz(session: SessionDep, request: Request, response: Response) -> ReadinessStatus:
    """Whether this replica should get traffic (the balancer asks every second): the database
    answers and is at the expected schema revision, and, with RABBITMQ_URL set, the event
    consumer is connected. /healthz stays the liveness check (the database alone)."""
    database: Literal["ok", "unavailable"] = "ok"
    migrations: Literal["ok", "behind", "unknown"] = "unknown"
    try:
        migrations = "ok" if schema_is_current(session.connection()) else "behind"
    except SQLAlchemyError:
        log.warning("readiness: database unreachable")
        database = "unavailable"
    consumer: EventConsumer | None = request.app.state.event_consumer
    checks = ReadinessChecks(
        database=database,
        migrations=migrations,
        event_consumer="off" if consumer is None else "ok" if consumer.connected else "disconnected",
    )
    ready = checks.database == "ok" and checks.migrations == "ok" and checks.event_consumer != "disconnected"
    if not ready:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return ReadinessStatus(status="ready" if ready else "not_ready", checks=checks)
