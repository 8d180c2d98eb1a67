from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.app.core.db import create_db_engine
from backend.app.core.deps import get_session


def test_healthz_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_503_when_the_database_is_unreachable(client: TestClient, app: FastAPI) -> None:
    broken = create_db_engine("sqlite:////nonexistent-dir/for/sure/backend.db")

    def broken_session() -> Iterator[Session]:
        with Session(broken) as session:
            yield session

    app.dependency_overrides[get_session] = broken_session
    try:
        response = client.get("/healthz")
    finally:
        app.dependency_overrides.clear()
        broken.dispose()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_openapi_documents_every_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/auth/login",
        "/api/auth/me",
        "/api/agents",
        "/api/complaints/{tracking_number}/notes",
        "/api/complaints/{tracking_number}/assign",
        "/api/attachments",
        "/api/attachments/{attachment_id}",
        "/api/privacy/export",
        "/api/privacy/erase",
    ):
        assert path in paths
    assert client.get("/docs").status_code == 200
