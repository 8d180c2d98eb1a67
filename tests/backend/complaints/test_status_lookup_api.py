from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, col

from backend.app.complaints.models import Complaint
from backend.app.core.models import utcnow
from backend.app.core.settings import Settings

Register = Callable[..., dict[str, Any]]
Headers = dict[str, str]


def _wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 1_000_000:06d}"


def test_lookup_with_pin(client: TestClient, register: Register, agent_headers: Headers) -> None:
    body = register("poliser", language="ru")
    number, pin = body["tracking_number"], body["pin"]
    response = client.post("/api/status-lookup", json={"tracking_number": number, "pin": pin})
    assert response.status_code == 200
    status = response.json()
    assert status["status"] == "registered"
    assert status["status_label"] == "Зарегистрирована"
    assert status["deadlines"] == body["deadlines"]
    assert status["last_note"] is None
    assert "full_name" not in status and "phone" not in status

    def change(new_status: str, note: str, visible: bool) -> None:
        response = client.post(
            f"/api/complaints/{number}/status",
            json={"status": new_status, "note": note, "visible_to_customer": visible},
            headers=agent_headers,
        )
        assert response.status_code == 200

    change("in_progress", "Передано в технический департамент", True)
    change("resolved", "internal: refund approved by finance", False)
    status = client.post("/api/status-lookup", json={"tracking_number": number.lower(), "pin": pin}).json()
    assert status["status"] == "resolved"
    assert status["status_label"] == "Удовлетворено"
    assert status["last_note"]["text"] == "Передано в технический департамент"
    assert status["last_note"]["at"].endswith("+03:00")


def test_unknown_number_and_malformed_pin(client: TestClient) -> None:
    unknown = client.post("/api/status-lookup", json={"tracking_number": "ZZZZ-ZZZZ", "pin": "123456"})
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "unknown tracking number or wrong PIN"}
    assert client.post("/api/status-lookup", json={"tracking_number": "ZZZZ-ZZZZ", "pin": "12ab"}).status_code == 422
    assert client.post("/api/status-lookup", json={"tracking_number": "ZZZZ", "pin": "123456"}).status_code == 422


def test_wrong_pins_lock_the_lookup(
    client: TestClient, register: Register, settings: Settings, engine: sa.Engine
) -> None:
    body = register("eurolux")
    number, pin = body["tracking_number"], body["pin"]

    def look_up(candidate: str) -> Any:
        return client.post("/api/status-lookup", json={"tracking_number": number, "pin": candidate})

    for _ in range(settings.pin_max_attempts - 1):
        assert look_up(_wrong(pin)).status_code == 404
    locked = look_up(_wrong(pin))
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= settings.pin_lockout_minutes * 60
    assert look_up(pin).status_code == 429  # even the right PIN, while locked

    with Session(engine) as session:  # the lock-out period passes
        session.exec(
            sa.update(Complaint).where(col(Complaint.tracking_number) == number).values(pin_locked_until=utcnow())
        )
        session.commit()
    assert look_up(pin).status_code == 200


def test_right_pin_resets_the_count(client: TestClient, register: Register, settings: Settings) -> None:
    body = register("eurolux")
    number, pin = body["tracking_number"], body["pin"]
    for _ in range(3):
        for _ in range(settings.pin_max_attempts - 1):
            assert (
                client.post("/api/status-lookup", json={"tracking_number": number, "pin": _wrong(pin)}).status_code
                == 404
            )
        assert client.post("/api/status-lookup", json={"tracking_number": number, "pin": pin}).status_code == 200


def test_lock_outs_grow_until_a_right_pin(
    client: TestClient, register: Register, settings: Settings, engine: sa.Engine
) -> None:
    """15 minutes, then 30, then 60...; a right PIN makes the next one the shortest again."""
    body = register("eurolux")
    number, pin = body["tracking_number"], body["pin"]

    def lock_out() -> int:
        for _ in range(settings.pin_max_attempts - 1):
            assert (
                client.post("/api/status-lookup", json={"tracking_number": number, "pin": _wrong(pin)}).status_code
                == 404
            )
        locked = client.post("/api/status-lookup", json={"tracking_number": number, "pin": _wrong(pin)})
        assert locked.status_code == 429
        with Session(engine) as session:  # the lock-out period passes
            session.exec(
                sa.update(Complaint).where(col(Complaint.tracking_number) == number).values(pin_locked_until=utcnow())
            )
            session.commit()
        return int(locked.headers["Retry-After"])

    first = settings.pin_lockout_minutes * 60
    assert first - 5 <= lock_out() <= first
    assert 2 * first - 5 <= lock_out() <= 2 * first
    assert 4 * first - 5 <= lock_out() <= 4 * first
    assert client.post("/api/status-lookup", json={"tracking_number": number, "pin": pin}).status_code == 200
    assert first - 5 <= lock_out() <= first


def test_lookup_needs_no_token(client: TestClient, register: Register) -> None:
    body = register("kontakt")
    response = client.post(
        "/api/status-lookup",
        json={"tracking_number": body["tracking_number"], "pin": body["pin"]},
        headers={"Authorization": "Bearer nonsense"},
    )
    assert response.status_code == 200
