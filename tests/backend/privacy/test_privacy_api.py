import logging
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend.app.accounts.models import Agent
from backend.app.core.settings import Settings

MakeAgent = Callable[..., Agent]
Login = Callable[..., dict[str, str]]
Register = Callable[..., dict[str, Any]]
Headers = dict[str, str]
Counts = Callable[[], dict[str, int]]

NAME = "Məmmədov Əli Vəli oğlu"
PHONE_TYPED = "050 123 45 67"
PHONE = "+994501234567"
EMAIL = "Ali.Mammadov@Example.az"


def _customer(register: Register, policy: str = "eurolux", **overrides: Any) -> dict[str, Any]:
    """A complaint of the customer whose data the tests export and erase."""
    return register(
        policy,
        **{
            "full_name": NAME,
            "phone": PHONE_TYPED,
            "email": EMAIL,
            "complaint_text": "Televizor çatdırılmadı; ünvanım Nizami küç. 5, mən Əli.",
            "conversation_id": "tg-555",
            **overrides,
        },
    )


def _note(client: TestClient, number: str, text: str, headers: Headers) -> None:
    assert client.post(f"/api/complaints/{number}/notes", json={"note": text}, headers=headers).status_code == 201


def test_export_by_phone_or_email(
    client: TestClient, register: Register, admin_headers: Headers, agent_headers: Headers
) -> None:
    first = _customer(register)["tracking_number"]
    second = _customer(register, phone="+994 50 123-45-67", email=None, policy="kontakt", language="ru")[
        "tracking_number"
    ]
    by_email_only = _customer(register, phone="055 555 55 55", email=EMAIL.upper())["tracking_number"]
    other = register("eurolux", phone="055 444 44 44")["tracking_number"]  # another customer
    _note(client, first, "called back, promised a refund", agent_headers)

    response = client.post("/api/privacy/export", json={"phone": PHONE_TYPED}, headers=admin_headers)
    assert response.status_code == 200, response.text
    exported = response.json()
    assert [item["tracking_number"] for item in exported["complaints"]] == [first, second]
    record = exported["complaints"][0]
    assert record["full_name"] == NAME and record["phone"] == PHONE and record["email"] == EMAIL
    assert "called back, promised a refund" in [entry["note"] for entry in record["history"]]
    assert "pin_hash" not in str(exported)

    by_email = client.post("/api/privacy/export", json={"email": "ali.mammadov@example.az"}, headers=admin_headers)
    assert [item["tracking_number"] for item in by_email.json()["complaints"]] == [first, by_email_only]
    both = client.post("/api/privacy/export", json={"phone": PHONE, "email": EMAIL}, headers=admin_headers)
    assert len(both.json()["complaints"]) == 3

    audited = client.get(f"/api/complaints/{first}", headers=agent_headers).json()["history"][-1]
    assert audited == {**audited, "kind": "export", "actor": "root", "visible_to_customer": False}
    assert audited["note"] == "personal data exported"
    untouched = client.get(f"/api/complaints/{other}", headers=agent_headers).json()
    assert [entry["kind"] for entry in untouched["history"]] == ["status"]

    nobody = client.post("/api/privacy/export", json={"email": "nobody@example.az"}, headers=admin_headers)
    assert nobody.status_code == 200 and nobody.json()["complaints"] == []


def test_erasure_keeps_the_statistics_but_not_the_person(
    client: TestClient,
    register: Register,
    admin_headers: Headers,
    agent_headers: Headers,
    service_headers: Headers,
    settings: Settings,
) -> None:
    upload = client.post(
        "/api/attachments",
        files={"file": ("passport.jpg", b"\xff\xd8 photo", "image/jpeg")},
        data={"conversation_id": "tg-555"},
        headers=service_headers,
    ).json()
    registered = _customer(register, staff_member="kassir Leyla", received_at="2026-03-18T10:00:00+04:00")
    number = registered["tracking_number"]
    stray = client.post(  # sent after the registration: never linked, erased all the same
        "/api/attachments",
        files={"file": ("more.jpg", b"\xff\xd8 more", "image/jpeg")},
        data={"conversation_id": "tg-555"},
        headers=service_headers,
    )
    assert stray.status_code == 201
    client.post(
        f"/api/complaints/{number}/status",
        json={"status": "in_progress", "note": "Hörmətli Əli bəy, şikayətiniz araşdırılır."},
        headers=agent_headers,
    )
    _note(
        client, number, "Customer MƏMMƏDOV called from +994 (50) 123-45-67, mail ali.mammadov@example.az", agent_headers
    )
    _note(client, number, "Also reachable on 0501234567 and 994501234567; Leyla confirmed delivery.", agent_headers)
    other = register("eurolux", full_name="Əliyev Vüqar Rəşid oğlu", phone="055 444 44 44")["tracking_number"]
    before = client.get(f"/api/complaints/{number}", headers=agent_headers).json()
    assert [item["id"] for item in before["attachments"]] == [upload["id"]]

    response = client.post("/api/privacy/erase", json={"phone": "+994 50 123 45 67"}, headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.json()["tracking_numbers"] == [number]
    assert response.json()["attachments_removed"] == 2

    after = client.get(f"/api/complaints/{number}", headers=agent_headers).json()
    for field in ("full_name", "complaint_text", "staff_member"):
        assert after[field] == "[erased]"
    for field in ("phone", "email", "conversation_id"):
        assert after[field] is None
    for field in (
        "tracking_number",
        "status",
        "policy",
        "language",
        "channel",
        "received_at",
        "created_at",
        "deadlines",
    ):
        assert after[field] == before[field]
    assert after["erased_at"] is not None
    assert after["attachments"] == []
    assert not [path for path in settings.attachments_dir.rglob("*") if path.is_file()]
    assert client.get(f"/api/attachments/{upload['id']}", headers=agent_headers).status_code == 404

    notes = [entry["note"] or "" for entry in after["history"]]
    assert notes[:-1] == [
        "",
        "Hörmətli [erased] bəy, şikayətiniz araşdırılır.",
        "Customer [erased] called from [erased], mail [erased]",
        "Also reachable on [erased] and [erased]; Leyla confirmed delivery.",
    ]
    assert [entry["status"] for entry in after["history"]] == [entry["status"] for entry in before["history"]] + [
        "in_progress"
    ]
    erased_entry = after["history"][-1]
    assert erased_entry == {**erased_entry, "kind": "erasure", "actor": "root", "note": "personal data erased"}
    for secret in ("Məmmədov", "MƏMMƏDOV", "Əli", "501234567", "123-45-67", "mammadov@", "Nizami", "tg-555"):
        assert secret not in str(after)

    # Found no more by name or contact; the customer's tracking number and PIN still tell the status.
    assert client.get("/api/complaints?q=Məmmədov", headers=agent_headers).json() == []
    lookup = client.post("/api/status-lookup", json={"tracking_number": number, "pin": registered["pin"]})
    assert lookup.status_code == 200 and lookup.json()["status"] == "in_progress"
    assert (
        client.get(f"/api/complaints/{other}", headers=agent_headers).json()["full_name"] == "Əliyev Vüqar Rəşid oğlu"
    )
    again = client.post("/api/privacy/erase", json={"phone": PHONE}, headers=admin_headers)
    assert again.status_code == 404


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_only_admins_export_or_erase(
    client: TestClient,
    register: Register,
    make_agent: MakeAgent,
    login: Login,
    agent_headers: Headers,
    service_headers: Headers,
    row_counts: Counts,
    role: str,
) -> None:
    _customer(register)
    make_agent("someone", role=role)
    before = row_counts()
    for path in ("/api/privacy/export", "/api/privacy/erase"):
        for headers in (login("someone"), agent_headers, service_headers):
            assert client.post(path, json={"phone": PHONE}, headers=headers).status_code == 403
        assert client.post(path, json={"phone": PHONE}).status_code == 401
    after = row_counts()
    assert {**after, "auth_token": before["auth_token"]} == before  # only the logins above
    assert client.get("/api/complaints?q=Məmmədov", headers=agent_headers).json()[0]["phone"] == PHONE


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, None), ({"phone": "12"}, "phone"), ({"phone": "   "}, None), ({"email": "x" * 255}, "email")],
)
def test_subject_validation(
    client: TestClient,
    register: Register,
    admin_headers: Headers,
    row_counts: Counts,
    body: dict[str, str],
    field: str | None,
) -> None:
    _customer(register)
    before = row_counts()
    for path in ("/api/privacy/export", "/api/privacy/erase"):
        response = client.post(path, json=body, headers=admin_headers)
        assert response.status_code == 422, response.text
        if field is not None:
            assert field in {error["loc"][-1] for error in response.json()["detail"]}
    assert row_counts() == before


def test_privacy_actions_log_no_personal_data(
    client: TestClient, register: Register, admin_headers: Headers, caplog: pytest.LogCaptureFixture
) -> None:
    _customer(register)
    caplog.set_level(logging.INFO)
    client.post("/api/privacy/export", json={"phone": PHONE_TYPED, "email": EMAIL}, headers=admin_headers)
    client.post("/api/privacy/erase", json={"phone": PHONE_TYPED, "email": EMAIL}, headers=admin_headers)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "personal data exported" in logged and "personal data erased" in logged
    for secret in ("Məmmədov", "501234567", "123 45 67", "mammadov", "Mammadov"):
        assert secret not in logged
