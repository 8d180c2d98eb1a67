"""An agent's own e-mail address for their alerts (backend/app/alerts): set by an admin or by
the agent, checked, removed with ""."""

from collections.abc import Callable

from fastapi.testclient import TestClient


def test_admin_and_the_agent_set_the_address(
    client: TestClient,
    make_agent: Callable[..., object],
    login: Callable[..., dict[str, str]],
    admin_headers: dict[str, str],
) -> None:
    make_agent("leyla")
    changed = client.patch("/api/agents/leyla", json={"email": " leyla@example.az "}, headers=admin_headers)
    assert changed.status_code == 200 and changed.json()["email"] == "leyla@example.az"
    assert client.patch("/api/agents/leyla", json={"email": "not an address"}, headers=admin_headers).status_code == 422
    leyla = login("leyla")
    assert client.patch("/api/agents/leyla", json={"email": "x@example.az"}, headers=leyla).status_code == 403
    mine = client.patch("/api/auth/me", json={"email": "leyla.h@example.az"}, headers=leyla)
    assert mine.status_code == 200 and mine.json()["email"] == "leyla.h@example.az"
    assert mine.json()["language"] is None  # the other field untouched
    listed = {a["username"]: a["email"] for a in client.get("/api/agents", headers=leyla).json()}
    assert listed["leyla"] == "leyla.h@example.az"
    removed = client.patch("/api/auth/me", json={"email": ""}, headers=leyla)
    assert removed.status_code == 200 and removed.json()["email"] is None
