import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlmodel import Session

from backend.app.complaints import service as crud
from backend.app.core.models import utcnow
from backend.app.core.settings import Settings
from backend.app.policies.profile import load_policies

Payload = Callable[..., dict[str, Any]]
Register = Callable[..., dict[str, Any]]
Headers = dict[str, str]

TRACKING_NUMBER = re.compile(r"^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")
POLICY_IDS = ["eurolux", "kontakt", "music_gallery", "inverter_eu", "poliser"]


def _errors(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {error["loc"][-1]: error["msg"] for error in response.json()["detail"]}


# --- registration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "offset"),
    [
        ("eurolux", "+04:00"),
        ("kontakt", "+04:00"),
        ("music_gallery", "+04:00"),
        ("inverter_eu", "+02:00"),
        ("poliser", "+03:00"),
    ],
)
def test_registration_per_policy(
    client: TestClient, payload: Payload, service_headers: Headers, agent_headers: Headers, policy: str, offset: str
) -> None:
    received = "2026-01-14T09:30:00" + offset  # winter: Bucharest is at +02:00
    response = client.post("/api/complaints", json=payload(policy, received_at=received), headers=service_headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert TRACKING_NUMBER.match(body["tracking_number"])
    assert re.fullmatch(r"\d{6}", body["pin"])
    assert body["status"] == "registered"
    assert body["policy"] == policy
    assert set(body["deadlines"]) == {"acknowledge_by", "investigate_by", "progress_update_by", "resolve_by"}
    assert body["deadlines"]["acknowledge_by"].endswith(offset)
    assert body["deadlines"]["resolve_by"].endswith(offset)
    assert (body["deadlines"]["progress_update_by"] is not None) == (policy == "inverter_eu")

    record = client.get(f"/api/complaints/{body['tracking_number']}", headers=agent_headers).json()
    sent = payload(policy)
    for field in ("full_name", "email", "complaint_text", "language", "channel", "inverter_model"):
        assert record[field] == sent.get(field)
    assert record["received_at"] == received
    assert record["deadlines"] == body["deadlines"]
    assert [entry["status"] for entry in record["history"]] == ["registered"]
    assert record["history"][0]["actor"] == "service"
    # The registration notice to the customer (the timeline: tests/backend/notifications).
    assert [n["kind"] for n in record["notifications"] if n["kind"] == "registration"] == ["registration"]
    assert "pin" not in record and "pin_hash" not in record


def test_default_policy_is_complaint_policy(
    register: Register, payload: Payload, client: TestClient, service_headers: Headers
) -> None:
    body = payload("eurolux")
    del body["policy"]
    response = client.post("/api/complaints", json=body, headers=service_headers)
    assert response.status_code == 201
    assert response.json()["policy"] == "eurolux"


def test_agent_can_register_a_phone_complaint(client: TestClient, payload: Payload, agent_headers: Headers) -> None:
    response = client.post("/api/complaints", json=payload("kontakt", channel="phone"), headers=agent_headers)
    assert response.status_code == 201
    record = client.get(f"/api/complaints/{response.json()['tracking_number']}", headers=agent_headers).json()
    assert record["channel"] == "phone"
    assert record["history"][0]["actor"] == "agent"


# --- deadlines ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "received", "expected"),
    [
        # Novruz: 3 working days after Wednesday 18 March 2026 in Azerbaijan is 1 April.
        ("eurolux", "2026-03-18T10:00:00+04:00", ("2026-04-01", "2026-04-06", None, "2026-03-28")),
        ("kontakt", "2026-03-18T10:00:00+04:00", ("2026-04-01", "2026-04-06", None, "2026-03-28")),
        # 10 working days: 19 March, then 31 March to 10 April.
        ("music_gallery", "2026-03-18T10:00:00+04:00", ("2026-04-01", None, None, "2026-04-10")),
        # Orthodox Easter 2026 (Good Friday 10 April, Easter Monday 13 April) and 1 May.
        ("inverter_eu", "2026-04-09T10:00:00+03:00", ("2026-04-22", None, "2026-05-13", "2026-05-26")),
        # Kurban bayrami 27-30 May 2026: 2 + 4 + 1 working days.
        ("poliser", "2026-05-26T10:00:00+03:00", ("2026-06-02", "2026-06-08", None, "2026-06-09")),
    ],
)
def test_deadlines_per_policy(
    client: TestClient,
    payload: Payload,
    service_headers: Headers,
    policy: str,
    received: str,
    expected: tuple[str | None, ...],
) -> None:
    response = client.post("/api/complaints", json=payload(policy, received_at=received), headers=service_headers)
    assert response.status_code == 201, response.text
    deadlines = response.json()["deadlines"]
    offset = received[-6:]
    names = ("acknowledge_by", "investigate_by", "progress_update_by", "resolve_by")
    assert {name: deadlines[name] for name in names} == {
        name: None if day is None else f"{day}T23:59:59{offset}" for name, day in zip(names, expected, strict=True)
    }


def test_receipt_date_is_taken_in_the_policy_time_zone(register: Register) -> None:
    # 22:30 UTC on Tuesday 17 March is Wednesday 02:30 in Baku.
    body = register("eurolux", received_at="2026-03-17T22:30:00Z")
    assert body["deadlines"]["acknowledge_by"] == "2026-04-01T23:59:59+04:00"


def test_received_at_without_offset_is_local_time(register: Register) -> None:
    body = register("poliser", received_at="2026-05-26T10:00:00")
    assert body["deadlines"]["acknowledge_by"] == "2026-06-02T23:59:59+03:00"


def test_received_at_in_the_future_is_refused(client: TestClient, payload: Payload, service_headers: Headers) -> None:
    future = (utcnow() + dt.timedelta(days=1)).isoformat()
    response = client.post("/api/complaints", json=payload("eurolux", received_at=future), headers=service_headers)
    assert "received_at" in _errors(response)


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "overrides", "fields"),
    [
        ("eurolux", {"phone": None}, {"phone"}),
        ("eurolux", {"full_name": None, "complaint_text": None}, {"full_name", "complaint_text"}),
        ("eurolux", {"full_name": "   ", "complaint_text": ""}, {"full_name", "complaint_text"}),
        ("music_gallery", {"phone": None}, {"phone"}),
        ("inverter_eu", {"email": None}, {"email"}),
        ("inverter_eu", {"complaint_category": None}, {"complaint_category"}),
        ("inverter_eu", {"complaint_category": "service"}, {"ticket_number"}),
        ("inverter_eu", {"inverter_model": None}, {"inverter_model"}),
        ("poliser", {"phone": None, "complaint_text": None}, {"phone", "complaint_text"}),
    ],
)
def test_required_fields_of_the_policy(
    client: TestClient,
    payload: Payload,
    service_headers: Headers,
    policy: str,
    overrides: dict[str, Any],
    fields: set[str],
) -> None:
    response = client.post("/api/complaints", json=payload(policy, **overrides), headers=service_headers)
    assert set(_errors(response)) == fields


def test_phone_or_email_alternative(client: TestClient, payload: Payload, service_headers: Headers) -> None:
    neither = client.post("/api/complaints", json=payload("music_gallery", phone=None), headers=service_headers)
    assert "phone or email" in _errors(neither)["phone"]
    by_email = payload("music_gallery", phone=None, email="nigar@example.az")
    assert client.post("/api/complaints", json=by_email, headers=service_headers).status_code == 201


def test_optional_and_conditional_fields_may_be_absent(register: Register) -> None:
    register("eurolux", staff_member=None)
    register("inverter_eu", serial_number=None, solution_idea=None)
    register("inverter_eu", complaint_category="service", inverter_model=None, ticket_number="#48213")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"language": "en"}, "language"),
        ({"language": None}, "language"),
        ({"channel": "fax"}, "channel"),
        ({"policy": "acme"}, "policy"),
        ({"complaint_category": "other"}, "complaint_category"),
        ({"full_name": "x" * 201}, "full_name"),
    ],
)
def test_field_validation(
    client: TestClient, payload: Payload, service_headers: Headers, overrides: dict[str, Any], field: str
) -> None:
    body = {key: value for key, value in {**payload("eurolux"), **overrides}.items() if value is not None}
    response = client.post("/api/complaints", json=body, headers=service_headers)
    assert field in _errors(response)


@pytest.mark.parametrize(
    ("policy", "typed", "e164"),
    [
        ("eurolux", "050 123 45 67", "+994501234567"),
        ("eurolux", "+994 (50) 123-45-67", "+994501234567"),
        ("kontakt", "+7 912 345-67-89", "+79123456789"),
        ("poliser", "0532 123 45 67", "+905321234567"),
        ("poliser", "+90 532 123 4567", "+905321234567"),
        ("inverter_eu", "0721 234 567", "+40721234567"),
    ],
)
def test_phone_is_stored_in_e164(
    client: TestClient, register: Register, agent_headers: Headers, policy: str, typed: str, e164: str
) -> None:
    body = register(policy, phone=typed)
    record = client.get(f"/api/complaints/{body['tracking_number']}", headers=agent_headers).json()
    assert record["phone"] == e164


@pytest.mark.parametrize(
    ("policy", "typed"), [("eurolux", "12345"), ("eurolux", "+994 50 123"), ("poliser", "call me")]
)
def test_invalid_phone_is_a_field_error(
    client: TestClient, payload: Payload, service_headers: Headers, policy: str, typed: str
) -> None:
    response = client.post("/api/complaints", json=payload(policy, phone=typed), headers=service_headers)
    assert "valid phone number" in _errors(response)["phone"] or "not a phone number" in _errors(response)["phone"]


# --- idempotency -------------------------------------------------------------------------------


def test_same_idempotency_key_returns_the_same_complaint(
    client: TestClient, payload: Payload, service_headers: Headers, agent_headers: Headers
) -> None:
    headers = {**service_headers, "Idempotency-Key": "conv-42-submit-1"}
    first = client.post("/api/complaints", json=payload("poliser"), headers=headers)
    again = client.post("/api/complaints", json=payload("poliser"), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert len(client.get("/api/complaints", headers=agent_headers).json()) == 1
    lookup = {"tracking_number": first.json()["tracking_number"], "pin": again.json()["pin"]}
    assert client.post("/api/status-lookup", json=lookup).status_code == 200


def test_idempotency_key_reused_for_another_complaint(
    client: TestClient, payload: Payload, service_headers: Headers
) -> None:
    headers = {**service_headers, "Idempotency-Key": "conv-43"}
    assert client.post("/api/complaints", json=payload("eurolux"), headers=headers).status_code == 201
    other = client.post("/api/complaints", json=payload("kontakt"), headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]


def test_replay_without_a_derivable_pin_returns_null(
    client: TestClient, app: FastAPI, settings: Settings, payload: Payload, service_headers: Headers
) -> None:
    headers = {**service_headers, "Idempotency-Key": "conv-44"}
    first = client.post("/api/complaints", json=payload("eurolux"), headers=headers)
    app.state.settings = settings.model_copy(update={"secret_key": SecretStr("rotated-secret-key")})
    try:
        again = client.post("/api/complaints", json=payload("eurolux"), headers=headers)
    finally:
        app.state.settings = settings
    assert again.status_code == 200
    assert again.json()["tracking_number"] == first.json()["tracking_number"]
    assert again.json()["pin"] is None


def test_without_idempotency_key_every_post_is_a_new_complaint(register: Register) -> None:
    assert register("eurolux")["tracking_number"] != register("eurolux")["tracking_number"]


def test_concurrent_insert_with_the_same_key_is_reported(client: TestClient, engine: sa.Engine) -> None:
    """The loser of a race on one Idempotency-Key gets IdempotencyKeyTaken (the route replays)."""
    policy = load_policies()["eurolux"]
    values = {
        "language": "az",
        "channel": "rest",
        "full_name": "A B C",
        "phone": "+994501234567",
        "complaint_text": "x",
    }
    now = utcnow()
    arguments: dict[str, Any] = {
        "values": values,
        "policy": policy,
        "received_at": now,
        "actor": "service",
        "secret_key": "k",
        "idempotency_key": "race",
        "request_fingerprint": "f",
        "now": now,
    }
    with Session(engine) as session:
        first, _pin = crud.create_complaint(session=session, **arguments)
    with Session(engine) as session, pytest.raises(crud.IdempotencyKeyTaken) as taken:
        crud.create_complaint(session=session, **arguments)
    assert taken.value.complaint.tracking_number == first.tracking_number


# --- reading and listing -----------------------------------------------------------------------


def test_unknown_tracking_number(client: TestClient, agent_headers: Headers) -> None:
    assert client.get("/api/complaints/ZZZZ-ZZZZ", headers=agent_headers).status_code == 404


def test_tracking_number_is_found_however_typed(client: TestClient, register: Register, agent_headers: Headers) -> None:
    number = register("eurolux")["tracking_number"]
    typed = number.lower().replace("-", "")
    assert client.get(f"/api/complaints/{typed}", headers=agent_headers).json()["tracking_number"] == number


def test_list_filters(client: TestClient, register: Register, agent_headers: Headers) -> None:
    eurolux = register("eurolux")["tracking_number"]
    kontakt = register("kontakt")["tracking_number"]
    late = register("poliser", received_at="2025-01-06T10:00:00+03:00")["tracking_number"]
    inverter = register("inverter_eu")["tracking_number"]
    client.post(f"/api/complaints/{kontakt}/status", json={"status": "acknowledged"}, headers=agent_headers)

    def numbers(query: str) -> list[str]:
        response = client.get(f"/api/complaints?{query}", headers=agent_headers)
        assert response.status_code == 200, response.text
        return [item["tracking_number"] for item in response.json()]

    assert numbers("") == [inverter, late, kontakt, eurolux]  # newest first
    assert set(numbers("status=registered")) == {eurolux, late, inverter}
    assert numbers("status=acknowledged") == [kontakt]
    assert numbers("policy=kontakt") == [kontakt]
    assert numbers("language=tr") == [late]
    assert numbers("channel=telegram") == [kontakt]
    assert numbers("overdue=true") == [late]
    assert set(numbers("overdue=false")) == {eurolux, kontakt, inverter}
    assert numbers("q=Иванов") == [kontakt]
    assert numbers("q=иванов") == [kontakt]  # case-insensitive beyond ASCII, on SQLite too
    assert numbers("q=MƏMMƏDOV") == [eurolux]
    assert numbers("q=popescu") == [inverter]
    assert numbers(f"q={late[:4]}") == [late]
    assert numbers("q=%25") == []  # a literal %, not a wildcard
    assert numbers("policy=poliser&overdue=true&language=tr") == [late]
    assert numbers("limit=2") == [inverter, late]
    assert numbers("limit=2&offset=2") == [kontakt, eurolux]
    assert client.get("/api/complaints?status=lost", headers=agent_headers).status_code == 422

    listed = client.get("/api/complaints?policy=poliser", headers=agent_headers).json()[0]
    assert listed["overdue"] is True
    assert listed["phone"] == "+905321234567"


# --- status changes ----------------------------------------------------------------------------


def test_status_transitions(client: TestClient, register: Register, agent_headers: Headers) -> None:
    number = register("poliser")["tracking_number"]
    path = ["acknowledged", "in_progress", "resolved", "reopened", "in_progress", "resolved", "disputed", "closed"]
    for status in path:
        response = client.post(
            f"/api/complaints/{number}/status", json={"status": status, "note": f"now {status}"}, headers=agent_headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
    record = client.get(f"/api/complaints/{number}", headers=agent_headers).json()
    assert [entry["status"] for entry in record["history"]] == ["registered", *path]
    assert record["history"][-1] == {**record["history"][-1], "note": "now closed", "actor": "agent"}
    assert record["acknowledged_at"] is not None

    refused = client.post(f"/api/complaints/{number}/status", json={"status": "in_progress"}, headers=agent_headers)
    assert refused.status_code == 409
    assert "reopened" in refused.json()["detail"]


@pytest.mark.parametrize("status", ["registered", "closed", "reopened", "disputed"])
def test_impossible_transitions_from_registered(
    client: TestClient, register: Register, agent_headers: Headers, status: str
) -> None:
    number = register("eurolux")["tracking_number"]
    response = client.post(f"/api/complaints/{number}/status", json={"status": status}, headers=agent_headers)
    assert response.status_code == 409
    record = client.get(f"/api/complaints/{number}", headers=agent_headers).json()
    assert record["status"] == "registered" and len(record["history"]) == 1


def test_status_change_validation(client: TestClient, register: Register, agent_headers: Headers) -> None:
    number = register("eurolux")["tracking_number"]
    assert (
        client.post(f"/api/complaints/{number}/status", json={"status": "lost"}, headers=agent_headers).status_code
        == 422
    )
    assert (
        client.post(
            "/api/complaints/ZZZZ-ZZZZ/status", json={"status": "acknowledged"}, headers=agent_headers
        ).status_code
        == 404
    )


def test_acknowledgement_moves_the_deadlines_that_count_from_it(
    client: TestClient, register: Register, agent_headers: Headers
) -> None:
    registered = register("inverter_eu")
    number = registered["tracking_number"]
    record = client.post(
        f"/api/complaints/{number}/status", json={"status": "acknowledged"}, headers=agent_headers
    ).json()
    policy = load_policies()["inverter_eu"]
    acknowledged_at = dt.datetime.fromisoformat(record["acknowledged_at"])
    expected = policy.calendar.deadline(acknowledged_at, 14, "working", policy.tz)
    assert record["deadlines"]["progress_update_by"] == expected.isoformat()
    assert record["deadlines"]["acknowledge_by"] == registered["deadlines"]["acknowledge_by"]
    assert record["deadlines"]["resolve_by"] == registered["deadlines"]["resolve_by"]


# --- authentication ----------------------------------------------------------------------------


def test_missing_or_unknown_token_is_401(client: TestClient, payload: Payload) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic dGVzdDp0ZXN0"}):
        response = client.post("/api/complaints", json=payload("eurolux"), headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert client.get("/api/complaints", headers=headers).status_code == 401


def test_service_token_has_no_agent_rights(client: TestClient, register: Register, service_headers: Headers) -> None:
    number = register("eurolux")["tracking_number"]
    assert client.get("/api/complaints", headers=service_headers).status_code == 403
    assert client.get(f"/api/complaints/{number}", headers=service_headers).status_code == 403
    response = client.post(f"/api/complaints/{number}/status", json={"status": "acknowledged"}, headers=service_headers)
    assert response.status_code == 403


# --- personal data -----------------------------------------------------------------------------


def test_personal_data_is_not_logged_at_info(
    client: TestClient,
    payload: Payload,
    service_headers: Headers,
    agent_headers: Headers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    sent = payload("eurolux")
    body = client.post("/api/complaints", json=sent, headers={**service_headers, "Idempotency-Key": "pii"}).json()
    client.post("/api/complaints", json=sent, headers={**service_headers, "Idempotency-Key": "pii"})
    client.post("/api/complaints", json=payload("eurolux", phone="123"), headers=service_headers)
    client.post(
        f"/api/complaints/{body['tracking_number']}/status", json={"status": "acknowledged"}, headers=agent_headers
    )
    for _ in range(3):
        client.post("/api/status-lookup", json={"tracking_number": body["tracking_number"], "pin": "000000"})
    logged = "\n".join(record.getMessage() for record in caplog.records if record.levelno >= logging.INFO)
    assert body["tracking_number"] in logged  # the logging did happen
    for secret in (sent["full_name"], "501234567", sent["complaint_text"], sent["staff_member"], body["pin"]):
        assert secret not in logged
