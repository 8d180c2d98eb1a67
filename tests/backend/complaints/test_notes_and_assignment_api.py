from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend.app.accounts.models import Agent

MakeAgent = Callable[..., Agent]
Login = Callable[..., dict[str, str]]
Register = Callable[..., dict[str, Any]]
Headers = dict[str, str]


# --- internal notes ----------------------------------------------------------------------------


def test_internal_note_is_in_the_history_but_never_shown_to_the_customer(
    client: TestClient, register: Register, make_agent: MakeAgent, login: Login, agent_headers: Headers
) -> None:
    registered = register("poliser", language="tr")
    number = registered["tracking_number"]
    visible = {"status": "acknowledged", "note": "Şikayetiniz inceleniyor"}
    client.post(f"/api/complaints/{number}/status", json=visible, headers=agent_headers)
    make_agent("aysel")
    response = client.post(
        f"/api/complaints/{number}/notes",
        json={"note": "  Customer called again, angry about the delay.  "},
        headers=login("aysel"),
    )
    assert response.status_code == 201, response.text
    entry = response.json()
    assert entry == {
        **entry,
        "kind": "note",
        "status": "acknowledged",
        "note": "Customer called again, angry about the delay.",
        "visible_to_customer": False,
        "actor": "aysel",
    }
    assert entry["at"].endswith("+03:00")

    record = client.get(f"/api/complaints/{number}", headers=agent_headers).json()
    assert [(item["kind"], item["actor"]) for item in record["history"]] == [
        ("status", "service"),
        ("status", "agent"),
        ("note", "aysel"),
    ]
    assert record["status"] == "acknowledged"

    lookup = client.post("/api/status-lookup", json={"tracking_number": number, "pin": registered["pin"]}).json()
    assert lookup["last_note"]["text"] == "Şikayetiniz inceleniyor"
    assert "angry" not in str(lookup)


@pytest.mark.parametrize("body", [{}, {"note": ""}, {"note": "   "}, {"note": "x" * 2001}, {"note": 42}])
def test_note_validation(client: TestClient, register: Register, agent_headers: Headers, body: dict[str, Any]) -> None:
    number = register("eurolux")["tracking_number"]
    assert client.post(f"/api/complaints/{number}/notes", json=body, headers=agent_headers).status_code == 422
    assert len(client.get(f"/api/complaints/{number}", headers=agent_headers).json()["history"]) == 1


def test_notes_are_for_agents_only(client: TestClient, register: Register, service_headers: Headers) -> None:
    number = register("eurolux")["tracking_number"]
    note = {"note": "hello"}
    assert client.post(f"/api/complaints/{number}/notes", json=note, headers=service_headers).status_code == 403
    assert client.post(f"/api/complaints/{number}/notes", json=note).status_code == 401


# --- assignment --------------------------------------------------------------------------------


def test_assign_and_filter(
    client: TestClient, register: Register, make_agent: MakeAgent, login: Login, agent_headers: Headers
) -> None:
    make_agent("aysel")
    make_agent("bakhtiyar")
    mine = register("eurolux")["tracking_number"]
    theirs = register("kontakt")["tracking_number"]
    nobodys = register("poliser")["tracking_number"]
    aysel = login("aysel")

    response = client.post(f"/api/complaints/{mine}/assign", json={"username": "aysel"}, headers=aysel)
    assert response.status_code == 200, response.text
    assert response.json()["assigned_to"] == {"username": "aysel", "display_name": "Aysel"}
    entry = response.json()["history"][-1]
    assert entry == {**entry, "kind": "assignment", "note": "assigned to aysel", "actor": "aysel"}
    assert entry["visible_to_customer"] is False
    handed = client.post(
        f"/api/complaints/{theirs}/assign", json={"username": "Bakhtiyar", "note": "speaks Russian"}, headers=aysel
    )
    assert handed.json()["history"][-1]["note"] == "assigned to bakhtiyar: speaks Russian"

    def numbers(query: str, headers: Headers = agent_headers) -> list[str]:
        response = client.get(f"/api/complaints?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [item["tracking_number"] for item in response.json()]

    assert numbers("assigned_to=aysel") == [mine]
    assert numbers("assigned_to=me", aysel) == [mine]
    assert numbers("assigned_to=bakhtiyar") == [theirs]
    assert numbers("assigned_to=none") == [nobodys]
    listed = client.get("/api/complaints?assigned_to=aysel", headers=agent_headers).json()[0]
    assert listed["assigned_to"]["username"] == "aysel"
    for query in ("assigned_to=me", "assigned_to=ghost"):  # the built-in token has no account
        assert client.get(f"/api/complaints?{query}", headers=agent_headers).status_code == 422


def test_taking_a_colleagues_complaint_needs_a_supervisor(
    client: TestClient, register: Register, make_agent: MakeAgent, login: Login, agent_headers: Headers
) -> None:
    make_agent("aysel")
    make_agent("bakhtiyar")
    make_agent("boss", role="supervisor")
    number = register("eurolux")["tracking_number"]
    client.post(f"/api/complaints/{number}/assign", json={"username": "aysel"}, headers=login("aysel"))

    for username in ("bakhtiyar", None):
        refused = client.post(
            f"/api/complaints/{number}/assign", json={"username": username}, headers=login("bakhtiyar")
        )
        assert refused.status_code == 403
        assert "supervisor" in refused.json()["detail"]
    builtin = client.post(f"/api/complaints/{number}/assign", json={"username": "bakhtiyar"}, headers=agent_headers)
    assert builtin.status_code == 403

    moved = client.post(f"/api/complaints/{number}/assign", json={"username": "bakhtiyar"}, headers=login("boss"))
    assert moved.status_code == 200
    released = client.post(f"/api/complaints/{number}/assign", json={"username": None}, headers=login("bakhtiyar"))
    assert released.status_code == 200
    assert released.json()["assigned_to"] is None
    history = [(entry["note"], entry["actor"]) for entry in released.json()["history"] if entry["kind"] == "assignment"]
    assert history == [("assigned to aysel", "aysel"), ("assigned to bakhtiyar", "boss"), ("unassigned", "bakhtiyar")]


@pytest.mark.parametrize(("body", "status"), [({"username": "ghost"}, 422), ({"username": "former"}, 422), ({}, 422)])
def test_assignment_validation(
    client: TestClient,
    register: Register,
    make_agent: MakeAgent,
    agent_headers: Headers,
    body: dict[str, Any],
    status: int,
) -> None:
    make_agent("former", active=False)
    number = register("eurolux")["tracking_number"]
    response = client.post(f"/api/complaints/{number}/assign", json=body, headers=agent_headers)
    assert response.status_code == status
    record = client.get(f"/api/complaints/{number}", headers=agent_headers).json()
    assert record["assigned_to"] is None and len(record["history"]) == 1


def test_assignment_is_for_agents_only(client: TestClient, register: Register, service_headers: Headers) -> None:
    number = register("eurolux")["tracking_number"]
    response = client.post(f"/api/complaints/{number}/assign", json={"username": None}, headers=service_headers)
    assert response.status_code == 403
