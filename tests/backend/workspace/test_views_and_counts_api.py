"""The workspace's views of GET /api/complaints (view=, X-Total-Count, next_deadline) and
GET /api/workspace/counts, on SQLite and PostgreSQL."""

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import col

from backend.app.accounts.models import Agent
from backend.app.complaints.models import Complaint

MakeAgent = Callable[..., Agent]
Login = Callable[..., dict[str, str]]
Register = Callable[..., dict[str, Any]]
Headers = dict[str, str]

VIEWS = ("all", "mine", "unassigned", "overdue", "due_today", "rejected", "failed_notifications")
FAR = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)


def _set(engine: sa.Engine, number: str, **values: Any) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.update(Complaint).where(col(Complaint.tracking_number) == number).values(**values)  # type: ignore[arg-type]
        )


def _listed(client: TestClient, headers: Headers, query: str) -> tuple[list[str], int]:
    response = client.get(f"/api/complaints?{query}", headers=headers)
    assert response.status_code == 200, response.text
    return [item["tracking_number"] for item in response.json()], int(response.headers["X-Total-Count"])


def _counts(client: TestClient, headers: Headers, query: str = "") -> dict[str, int]:
    response = client.get(f"/api/workspace/counts?{query}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_each_view_lists_its_complaints_and_the_counts_agree(
    client: TestClient,
    engine: sa.Engine,
    register: Register,
    make_agent: MakeAgent,
    login: Login,
    agent_headers: Headers,
    service_headers: Headers,
) -> None:
    make_agent("aysel")
    aysel = login("aysel")
    fresh = register("eurolux")["tracking_number"]
    late = register("poliser", received_at="2025-01-06T10:00:00+03:00")["tracking_number"]
    mine = register("kontakt")["tracking_number"]
    mine_done = register("kontakt")["tracking_number"]
    rejected = register("music_gallery")["tracking_number"]
    failed = register("inverter_eu")["tracking_number"]
    for number in (mine, mine_done):
        assert client.post(f"/api/complaints/{number}/assign", json={"username": "aysel"}, headers=aysel).is_success
    decision = {"status": "resolved", "note": "Replaced the machine; the driver apologised."}
    for number in (mine_done, rejected):
        assert client.post(f"/api/complaints/{number}/status", json=decision, headers=aysel).is_success
    assert client.post(f"/api/complaints/{rejected}/status", json={"status": "reopened"}, headers=aysel).is_success
    _set(engine, failed, notification_failed=True)
    client.post("/api/handoffs", json={"conversation_id": "tg-77", "channel": "telegram"}, headers=service_headers)

    expected = {
        "all": [failed, rejected, mine_done, mine, late, fresh],
        "mine": [mine],  # the resolved one is done: no longer work to do
        "unassigned": [failed, rejected, late, fresh],
        "overdue": [late],
        "due_today": [],
        "rejected": [rejected],
        "failed_notifications": [failed],
    }
    for view, numbers in expected.items():
        assert _listed(client, aysel, f"view={view}") == (numbers, len(numbers)), view
    assert _counts(client, aysel) == {**{view: len(numbers) for view, numbers in expected.items()}, "waiting": 1}

    # An explicit status overrides "still to do"; the built-in token owns nothing.
    assert _listed(client, aysel, "view=mine&status=resolved") == ([mine_done], 1)
    assert _listed(client, agent_headers, "view=mine") == ([], 0)
    assert _counts(client, agent_headers)["mine"] == 0
    # The views combine with the filters, in the list and in the counts alike.
    assert _listed(client, aysel, "view=unassigned&policy=poliser") == ([late], 1)
    assert _counts(client, aysel, "policy=kontakt") == {
        "all": 2,
        "waiting": 1,
        "mine": 1,
        "unassigned": 0,
        "overdue": 0,
        "due_today": 0,
        "rejected": 0,
        "failed_notifications": 0,
    }
    assert client.get("/api/complaints?view=everything", headers=aysel).status_code == 422
    assert client.get("/api/workspace/counts").status_code == 401


def test_total_count_is_every_match_whatever_the_page(
    client: TestClient, register: Register, agent_headers: Headers
) -> None:
    numbers = [register("eurolux")["tracking_number"] for _ in range(5)][::-1]
    assert _listed(client, agent_headers, "limit=2") == (numbers[:2], 5)
    assert _listed(client, agent_headers, "limit=2&offset=4") == (numbers[4:], 5)
    assert _listed(client, agent_headers, "limit=2&offset=9") == ([], 5)
    assert _listed(client, agent_headers, "view=overdue&limit=2") == ([], 0)


def test_due_today_is_today_in_each_policys_time_zone(
    client: TestClient, engine: sa.Engine, register: Register, agent_headers: Headers
) -> None:
    """One moment, late tonight in Bucharest: today for the inverter policy; in Baku (two
    hours ahead) it may be tomorrow already."""
    now = dt.datetime.now(dt.UTC)
    bucharest = ZoneInfo("Europe/Bucharest")
    tonight = dt.datetime.combine(now.astimezone(bucharest).date() + dt.timedelta(days=1), dt.time(), bucharest)
    # Half an hour before midnight, or halfway there when the test runs later than that (between
    # 23:30 and midnight in Bucharest the moment was already past, and overdue).
    moment = tonight.astimezone(dt.UTC) - min(dt.timedelta(minutes=30), (tonight - now) / 2)
    numbers = {}
    for policy, deadline in [("inverter_eu", "resolve_by"), ("eurolux", "resolve_by"), ("kontakt", "acknowledge_by")]:
        number = register(policy)["tracking_number"]
        values = {"acknowledge_by": FAR, "investigate_by": None, "progress_update_by": None, "resolve_by": FAR}
        _set(engine, number, **{**values, deadline: moment})
        numbers[policy] = number
    acknowledged = register("kontakt")["tracking_number"]  # its acknowledgement deadline is met: not open
    client.post(f"/api/complaints/{acknowledged}/status", json={"status": "acknowledged"}, headers=agent_headers)
    _set(engine, acknowledged, acknowledge_by=moment)

    def today_in(zone: str) -> bool:
        return moment.astimezone(ZoneInfo(zone)).date() == now.astimezone(ZoneInfo(zone)).date()

    expected = {numbers["inverter_eu"]}
    if today_in("Asia/Baku"):
        expected.add(numbers["eurolux"])
        expected.add(numbers["kontakt"])  # kontakt is in Baku too
    listed, total = _listed(client, agent_headers, "view=due_today")
    assert set(listed) == expected and total == len(expected)
    assert _counts(client, agent_headers)["due_today"] == len(expected)

    item = next(
        item
        for item in client.get("/api/complaints?policy=inverter_eu", headers=agent_headers).json()
        if item["tracking_number"] == numbers["inverter_eu"]
    )
    assert item["next_deadline"]["kind"] == "resolve"
    assert abs(dt.datetime.fromisoformat(item["next_deadline"]["at"]) - moment) < dt.timedelta(seconds=1)
    assert item["overdue"] is False


def test_list_items_carry_the_next_open_deadline(
    client: TestClient, register: Register, make_agent: MakeAgent, login: Login, agent_headers: Headers
) -> None:
    registered = register("kontakt")
    number = registered["tracking_number"]

    def item() -> dict[str, Any]:
        return client.get(f"/api/complaints?q={number}", headers=agent_headers).json()[0]

    first = item()
    assert first["next_deadline"] == {"kind": "acknowledge", "at": registered["deadlines"]["acknowledge_by"]}
    assert first["assigned_to"] is None and first["overdue"] is False

    client.post(f"/api/complaints/{number}/status", json={"status": "acknowledged"}, headers=agent_headers)
    detail = client.get(f"/api/complaints/{number}", headers=agent_headers).json()
    running = {
        kind: detail["deadlines"][f"{kind}_by"]
        for kind in ("investigate", "progress_update", "resolve")
        if detail["deadlines"][f"{kind}_by"] is not None
    }
    kind, at = min(running.items(), key=lambda pair: dt.datetime.fromisoformat(pair[1]))
    assert item()["next_deadline"] == {"kind": kind, "at": at}

    make_agent("farid")
    client.post(f"/api/complaints/{number}/assign", json={"username": "farid"}, headers=agent_headers)
    decision = {"status": "resolved", "note": "Refunded in full."}
    client.post(f"/api/complaints/{number}/status", json=decision, headers=agent_headers)
    done = item()
    assert done["next_deadline"] is None
    assert done["assigned_to"]["username"] == "farid"


def test_search_by_phone_typed_the_local_way_by_name_and_by_a_word(
    client: TestClient, register: Register, agent_headers: Headers
) -> None:
    eurolux = register("eurolux")["tracking_number"]  # phone 050 123 45 67 -> +994501234567
    poliser = register("poliser")["tracking_number"]  # phone 0532 123 45 67 -> +905321234567
    kontakt = register("kontakt")["tracking_number"]
    for query, expected in [
        ("050 123 45 67", [eurolux]),
        ("0501234567", [eurolux]),
        ("+994 50 123-45-67", [eurolux]),
        ("1234567", [poliser, eurolux]),
        ("MƏMMƏDOV", [eurolux]),
        ("yilmaz", []),  # no folding of ı/i: the letters as written
        ("Yılmaz", [poliser]),
        ("вмятиной", [kontakt]),
        ("ivanov@example", [kontakt]),
        ("100%", []),
        ("_", []),
    ]:
        assert _listed(client, agent_headers, f"q={quote(query)}") == (expected, len(expected)), query
    assert _counts(client, agent_headers, "q=0501234567")["all"] == 1
