from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend.app.accounts.models import Agent
from tests.backend.conftest import PASSWORD

MakeAgent = Callable[..., Agent]
Login = Callable[..., dict[str, str]]
Headers = dict[str, str]

NEW_AGENT = {"username": "Nigar.H", "display_name": " Nigar Həsənova ", "role": "agent", "password": PASSWORD}


def test_admin_adds_an_agent_who_can_log_in(client: TestClient, admin_headers: Headers, login: Login) -> None:
    response = client.post("/api/agents", json=NEW_AGENT, headers=admin_headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {**body, "username": "nigar.h", "display_name": "Nigar Həsənova", "role": "agent", "is_active": True}
    assert "password" not in body and "password_hash" not in body
    headers = login("nigar.h")
    assert client.get("/api/auth/me", headers=headers).json()["username"] == "nigar.h"

    duplicate = client.post("/api/agents", json={**NEW_AGENT, "username": "nigar.h"}, headers=admin_headers)
    assert duplicate.status_code == 409
    assert "already exists" in duplicate.json()["detail"]


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_only_admins_add_agents(
    client: TestClient, make_agent: MakeAgent, login: Login, role: str, agent_headers: Headers, service_headers: Headers
) -> None:
    make_agent("someone", role=role)
    for headers in (login("someone"), agent_headers, service_headers):
        response = client.post("/api/agents", json=NEW_AGENT, headers=headers)
        assert response.status_code == 403, headers
    assert client.post("/api/agents", json=NEW_AGENT).status_code == 401
    assert [agent["username"] for agent in client.get("/api/agents", headers=agent_headers).json()] == ["someone"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "short"}, "password"),
        ({"username": "agent"}, "username"),  # the built-in token's name in the history
        ({"username": "service"}, "username"),
        ({"username": "two words"}, "username"),
        ({"username": "x"}, "username"),
        ({"role": "owner"}, "role"),
        ({"display_name": "  "}, "display_name"),
    ],
)
def test_agent_validation(client: TestClient, admin_headers: Headers, overrides: dict[str, Any], field: str) -> None:
    response = client.post("/api/agents", json={**NEW_AGENT, **overrides}, headers=admin_headers)
    assert response.status_code == 422
    assert field in {error["loc"][-1] for error in response.json()["detail"]}


def test_admin_changes_an_agent(
    client: TestClient, admin_headers: Headers, make_agent: MakeAgent, login: Login
) -> None:
    make_agent("leyla")
    headers = login("leyla")
    response = client.patch(
        "/api/agents/leyla", json={"role": "supervisor", "display_name": "Leyla Ə."}, headers=admin_headers
    )
    assert response.status_code == 200
    assert response.json() == {**response.json(), "role": "supervisor", "display_name": "Leyla Ə."}
    assert client.get("/api/auth/me", headers=headers).json()["role"] == "supervisor"  # the session goes on

    new_password = "another long passphrase"
    assert client.patch("/api/agents/leyla", json={"password": new_password}, headers=admin_headers).status_code == 200
    assert client.get("/api/auth/me", headers=headers).status_code == 401  # a new password ends sessions
    login("leyla", new_password)

    assert client.patch("/api/agents/nobody", json={"role": "agent"}, headers=admin_headers).status_code == 404
    assert client.patch("/api/agents/leyla", json={"role": "agent"}, headers=headers).status_code == 401


def test_admin_cannot_lock_themselves_out(client: TestClient, admin_headers: Headers) -> None:
    for change in ({"is_active": False}, {"role": "agent"}):
        response = client.patch("/api/agents/root", json=change, headers=admin_headers)
        assert response.status_code == 409
    assert client.get("/api/auth/me", headers=admin_headers).json()["role"] == "admin"


def test_list_agents(client: TestClient, make_agent: MakeAgent, agent_headers: Headers) -> None:
    make_agent("bakhtiyar")
    make_agent("aysel", role="supervisor")
    make_agent("former", active=False)
    active = client.get("/api/agents", headers=agent_headers).json()
    assert [agent["username"] for agent in active] == ["aysel", "bakhtiyar"]
    everyone = client.get("/api/agents?include_inactive=true", headers=agent_headers).json()
    assert [agent["username"] for agent in everyone] == ["aysel", "bakhtiyar", "former"]
