import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from backend.app.accounts.models import Agent, AuthToken
from backend.app.core.models import utcnow
from backend.app.core.settings import Settings
from tests.backend.conftest import PASSWORD

MakeAgent = Callable[..., Agent]
Login = Callable[..., dict[str, str]]
Register = Callable[..., dict[str, Any]]
Headers = dict[str, str]


def _login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    return client.post("/api/auth/login", json={"username": username, "password": password})


def test_login_gives_an_expiring_token_stored_hashed(
    client: TestClient, make_agent: MakeAgent, settings: Settings, engine: sa.Engine
) -> None:
    make_agent("leyla", role="supervisor")
    before = utcnow()
    response = _login(client, " Leyla ")  # usernames are lower case; spaces around do not matter
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["agent"] == {**body["agent"], "username": "leyla", "role": "supervisor", "is_active": True}
    assert "password" not in str(body["agent"]) and "hash" not in str(body["agent"])
    expires_at = dt.datetime.fromisoformat(body["expires_at"])
    ttl = dt.timedelta(hours=settings.auth_token_ttl_hours)
    assert before + ttl <= expires_at <= utcnow() + ttl

    token = body["access_token"]
    assert len(token) >= 40
    with Session(engine) as session:
        stored = session.exec(select(AuthToken)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()

    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json() == {
        "username": "leyla",
        "display_name": "Leyla",
        "role": "supervisor",
        "builtin": False,
        "expires_at": body["expires_at"],
        "language": None,
        "email": None,
    }


def test_wrong_password_and_unknown_user_look_alike(
    client: TestClient, make_agent: MakeAgent, engine: sa.Engine
) -> None:
    make_agent("leyla")
    wrong = _login(client, "leyla", "not the password")
    unknown = _login(client, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "wrong username or password"}
    with Session(engine) as session:
        assert session.exec(select(AuthToken)).all() == []


def test_deactivated_agent_cannot_log_in(client: TestClient, make_agent: MakeAgent) -> None:
    make_agent("former", active=False)
    assert _login(client, "former").status_code == 401


def test_wrong_passwords_lock_the_account(
    client: TestClient, make_agent: MakeAgent, settings: Settings, engine: sa.Engine
) -> None:
    make_agent("leyla")
    for _ in range(settings.login_max_attempts - 1):
        assert _login(client, "leyla", "guess").status_code == 401
    assert _login(client, "leyla", "guess").status_code == 429  # this one locks
    locked = _login(client, "leyla")
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= settings.login_lockout_minutes * 60

    with Session(engine) as session:  # the lock-out period passes
        session.exec(sa.update(Agent).where(col(Agent.username) == "leyla").values(locked_until=utcnow()))
        session.commit()
    assert _login(client, "leyla").status_code == 200


def test_right_password_resets_the_count(client: TestClient, make_agent: MakeAgent, settings: Settings) -> None:
    make_agent("leyla")
    for _ in range(2):
        for _ in range(settings.login_max_attempts - 1):
            assert _login(client, "leyla", "guess").status_code == 401
        assert _login(client, "leyla").status_code == 200


def test_expired_token_is_refused(client: TestClient, make_agent: MakeAgent, login: Login, engine: sa.Engine) -> None:
    make_agent("leyla")
    headers = login("leyla")
    assert client.get("/api/complaints", headers=headers).status_code == 200
    with Session(engine) as session:
        session.exec(sa.update(AuthToken).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        session.commit()
    response = client.get("/api/complaints", headers=headers)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_logout_ends_the_token(client: TestClient, make_agent: MakeAgent, login: Login, agent_headers: Headers) -> None:
    make_agent("leyla")
    headers, other_session = login("leyla"), login("leyla")
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/auth/me", headers=headers).status_code == 401
    assert client.get("/api/auth/me", headers=other_session).status_code == 200
    builtin = client.post("/api/auth/logout", headers=agent_headers)
    assert builtin.status_code == 400
    assert "AGENT_TOKEN" in builtin.json()["detail"]


def test_builtin_tokens_still_work(client: TestClient, agent_headers: Headers, service_headers: Headers) -> None:
    assert client.get("/api/auth/me", headers=agent_headers).json() == {
        "username": "agent",
        "display_name": "Built-in agent (AGENT_TOKEN)",
        "role": "agent",
        "builtin": True,
        "expires_at": None,
        "email": None,
        "language": None,
    }
    assert client.get("/api/auth/me", headers=service_headers).json()["role"] == "service"
    assert client.get("/api/complaints", headers=agent_headers).status_code == 200
    assert client.get("/api/auth/me").status_code == 401


def test_account_token_acts_under_the_agents_name(
    client: TestClient, make_agent: MakeAgent, login: Login, register: Register
) -> None:
    make_agent("leyla")
    headers = login("leyla")
    number = register("eurolux")["tracking_number"]
    response = client.post(f"/api/complaints/{number}/status", json={"status": "acknowledged"}, headers=headers)
    assert response.status_code == 200
    assert [entry["actor"] for entry in response.json()["history"]] == ["service", "leyla"]


def test_deactivation_ends_sessions(
    client: TestClient, make_agent: MakeAgent, login: Login, admin_headers: Headers
) -> None:
    make_agent("leyla")
    headers = login("leyla")
    response = client.patch("/api/agents/leyla", json={"is_active": False}, headers=admin_headers)
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert client.get("/api/complaints", headers=headers).status_code == 401
    assert _login(client, "leyla").status_code == 401
