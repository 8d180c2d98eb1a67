"""GET /readyz: what the balancer asks every second before it sends a replica traffic."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlmodel import Session

from backend.app.core.db import create_db_engine
from backend.app.core.deps import get_session
from backend.app.core.settings import Settings
from backend.app.main import create_app
from tests.support.rabbitmq import Topology, closed_port, wait_for

READY = {"database": "ok", "migrations": "ok", "event_consumer": "off"}


def test_ready_when_the_database_answers_at_head(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": READY}


def test_not_ready_when_the_database_is_unreachable(client: TestClient, app: FastAPI) -> None:
    broken = create_db_engine("sqlite:////nonexistent-dir/for/sure/backend.db")

    def broken_session() -> Iterator[Session]:
        with Session(broken) as session:
            yield session

    app.dependency_overrides[get_session] = broken_session
    try:
        response = client.get("/readyz")
    finally:
        app.dependency_overrides.clear()
        broken.dispose()
    assert response.status_code == 503
    assert response.json() == {
        "status": "not_ready",
        "checks": {"database": "unavailable", "migrations": "unknown", "event_consumer": "off"},
    }


def test_not_ready_when_the_schema_is_not_at_head(settings: Settings, tmp_path: Path) -> None:
    """A database alembic has not brought to head (here: never migrated; the lifespan, which
    migrates, does not run without `with`)."""
    app = create_app(settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'fresh.db'}"}))
    try:
        response = TestClient(app).get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"] == {**READY, "migrations": "behind"}
        with app.state.engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            connection.execute(sa.text("INSERT INTO alembic_version VALUES ('0003_handoffs')"))
        assert TestClient(app).get("/readyz").json()["checks"]["migrations"] == "behind"
    finally:
        app.state.engine.dispose()


@pytest.mark.integration  # RabbitMQ
def test_not_ready_while_the_configured_rabbitmq_is_unreachable(
    client: TestClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """The app starts and serves all the same (the consumer keeps trying in the background,
    saying so without the URL's password)."""
    threads = set(threading.enumerate())
    unreachable = f"amqp://guest:secret-password@127.0.0.1:{closed_port()}/"
    app = create_app(settings.model_copy(update={"rabbitmq_url": SecretStr(unreachable)}))
    with TestClient(app) as replica:
        response = replica.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "not_ready", "checks": {**READY, "event_consumer": "disconnected"}}
        assert replica.get("/healthz").status_code == 200
        wait_for(lambda: "RabbitMQ not available" in caplog.text, 5, "the failed attempt logged")
    assert "secret-password" not in caplog.text
    assert app.state.event_consumer._connection is None
    wait_for(lambda: set(threading.enumerate()) <= threads, 5, "no thread left behind")


@pytest.mark.integration  # RabbitMQ
def test_ready_once_the_consumer_is_connected(client: TestClient, settings: Settings) -> None:
    topology = Topology.unique()
    app = create_app(
        settings.model_copy(
            update={
                "rabbitmq_url": SecretStr(topology.url),
                "rasa_events_queue": topology.queue,
                "rasa_events_exchange": topology.exchange,
            }
        )
    )
    try:
        with TestClient(app) as replica:
            wait_for(lambda: replica.get("/readyz").status_code == 200, 15, "ready")
            assert replica.get("/readyz").json() == {"status": "ready", "checks": {**READY, "event_consumer": "ok"}}
    finally:
        topology.delete()
