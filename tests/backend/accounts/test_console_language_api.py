"""The agent's console language, kept on the account (GET / PATCH /api/auth/me)."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from backend.app.accounts.models import Agent


def test_the_agent_picks_the_console_language(
    client: TestClient, make_agent: Callable[..., Agent], login: Callable[..., dict[str, str]]
) -> None:
    make_agent("aysel")
    headers = login("aysel")
    assert client.get("/api/auth/me", headers=headers).json()["language"] is None
    changed = client.patch("/api/auth/me", json={"language": "az"}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["language"] == "az"
    # Kept on the account: a new login finds it, in /me and in the login's answer.
    again = client.post("/api/auth/login", json={"username": "aysel", "password": "correct horse battery staple"})
    assert again.json()["agent"]["language"] == "az"
    assert client.get("/api/auth/me", headers=login("aysel")).json()["language"] == "az"
    assert client.patch("/api/auth/me", json={"language": "en"}, headers=headers).json()["language"] == "en"


def test_unknown_languages_and_builtin_tokens_are_refused(
    client: TestClient,
    make_agent: Callable[..., Agent],
    login: Callable[..., dict[str, str]],
    agent_headers: dict[str, str],
    service_headers: dict[str, str],
) -> None:
    make_agent("ioana")
    headers = login("ioana")
    for body in ({"language": "de"}, {"language": ""}):
        refused = client.patch("/api/auth/me", json=body, headers=headers)
        assert refused.status_code == 422, body
        assert refused.json()["detail"][0]["loc"] == ["body", "language"]
    assert client.patch("/api/auth/me", json={}, headers=headers).status_code == 422  # neither language nor e-mail
    assert client.get("/api/auth/me", headers=headers).json()["language"] is None
    assert client.patch("/api/auth/me", json={"language": "ro"}, headers=agent_headers).status_code == 400
    assert client.patch("/api/auth/me", json={"language": "ro"}, headers=service_headers).status_code == 403
    assert client.patch("/api/auth/me", json={"language": "ro"}).status_code == 401
