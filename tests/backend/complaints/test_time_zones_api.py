"""Every moment the API shows carries the offset of the policy's time zone (the customer's),
on the day it falls: a deadline after a summer-time switch has the summer offset."""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

Register = Callable[..., dict[str, Any]]
Headers = dict[str, str]

ISO_MOMENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")


def _moments(value: Any) -> list[str]:
    """Every ISO date-time string anywhere in a JSON value."""
    if isinstance(value, dict):
        return [moment for item in value.values() for moment in _moments(item)]
    if isinstance(value, list):
        return [moment for item in value for moment in _moments(item)]
    return [value] if isinstance(value, str) and ISO_MOMENT.match(value) else []


@pytest.mark.parametrize(
    ("policy", "offset"),
    [("eurolux", "+04:00"), ("kontakt", "+04:00"), ("music_gallery", "+04:00"), ("poliser", "+03:00")],
)
def test_every_moment_is_in_the_policy_time_zone(
    client: TestClient, register: Register, agent_headers: Headers, policy: str, offset: str
) -> None:
    registered = register(policy)
    number = registered["tracking_number"]
    client.post(f"/api/complaints/{number}/status", json={"status": "in_progress", "note": "ok"}, headers=agent_headers)
    client.post(f"/api/complaints/{number}/notes", json={"note": "internal"}, headers=agent_headers)
    answers = [
        registered,
        client.get(f"/api/complaints/{number}", headers=agent_headers).json(),
        client.get("/api/complaints", headers=agent_headers).json(),
        client.post("/api/status-lookup", json={"tracking_number": number, "pin": registered["pin"]}).json(),
    ]
    moments = [moment for answer in answers for moment in _moments(answer)]
    assert len(moments) >= 15
    assert {moment[-6:] for moment in moments} == {offset}


def test_deadlines_after_the_summer_time_switch_carry_the_summer_offset(
    client: TestClient, register: Register, agent_headers: Headers
) -> None:
    """Romania moves from +02:00 to +03:00 on Sunday 29 March 2026. Received on Friday
    20 March: 7 working days (23-27, 30, 31 March) end on Tuesday 31 March, in summer time."""
    registered = register("inverter_eu", received_at="2026-03-20T10:00:00+02:00")
    assert registered["deadlines"]["acknowledge_by"] == "2026-03-31T23:59:59+03:00"
    record = client.get(f"/api/complaints/{registered['tracking_number']}", headers=agent_headers).json()
    assert record["received_at"] == "2026-03-20T10:00:00+02:00"
    assert record["deadlines"]["acknowledge_by"] == "2026-03-31T23:59:59+03:00"
    # The same instant in UTC is what the database holds.
    assert dt.datetime.fromisoformat(record["deadlines"]["acknowledge_by"]) == dt.datetime(
        2026, 3, 31, 20, 59, 59, tzinfo=dt.UTC
    )


def test_an_instant_given_in_utc_comes_back_in_local_time(
    register: Register, client: TestClient, agent_headers: Headers
) -> None:
    registered = register("poliser", received_at="2026-05-26T07:00:00Z")
    record = client.get(f"/api/complaints/{registered['tracking_number']}", headers=agent_headers).json()
    assert record["received_at"] == "2026-05-26T10:00:00+03:00"
