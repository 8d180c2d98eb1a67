import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend import manage
from backend.app.accounts.models import Agent
from backend.app.attachments.models import Attachment
from backend.app.core.settings import Settings

Headers = dict[str, str]
Register = Callable[..., dict[str, Any]]

PASSWORD = "a long admin passphrase"


def _login(client: TestClient, username: str, password: str) -> int:
    return client.post("/api/auth/login", json={"username": username, "password": password}).status_code


def test_create_admin_with_password(
    client: TestClient, settings: Settings, engine: sa.Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    code = manage.main(
        ["create-admin", "--username", "Chief", "--display-name", "Chief Admin", "--password", PASSWORD], settings
    )
    assert code == 0
    assert "admin 'chief' created" in capsys.readouterr().out
    with Session(engine) as session:
        agent = session.exec(select(Agent)).one()
    assert (agent.username, agent.display_name, agent.role, agent.is_active) == ("chief", "Chief Admin", "admin", True)
    assert agent.password_hash.startswith("$argon2id$") and PASSWORD not in agent.password_hash
    assert _login(client, "chief", PASSWORD) == 200

    again = manage.main(["create-admin", "--username", "chief", "--password", PASSWORD], settings)
    assert again == 1
    assert "already exists" in capsys.readouterr().err


def test_create_admin_password_from_the_environment(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", PASSWORD)
    assert manage.main(["create-admin", "--username", "chief"], settings) == 0
    assert _login(client, "chief", PASSWORD) == 200


def test_create_admin_asks_on_a_terminal(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    answers = iter([PASSWORD, PASSWORD, PASSWORD, "a different passphrase"])
    monkeypatch.setattr(manage.getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(manage.sys, "stdin", _Terminal())
    assert manage.main(["create-admin", "--username", "chief"], settings) == 0
    assert manage.main(["create-admin", "--username", "deputy"], settings) == 1
    assert "differ" in capsys.readouterr().err
    assert _login(client, "chief", PASSWORD) == 200


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--username", "chief"], "no password"),  # no terminal, no variable
        (["--username", "chief", "--password", "short"], "password"),
        (["--username", "agent", "--password", PASSWORD], "reserved"),
        (["--username", "two words", "--password", PASSWORD], "username"),
    ],
)
def test_create_admin_refusals(
    client: TestClient,
    settings: Settings,
    engine: sa.Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
) -> None:
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr(manage.sys, "stdin", io.StringIO(""))
    assert manage.main(["create-admin", *arguments], settings) == 1
    assert message in capsys.readouterr().err
    with Session(engine) as session:
        assert session.exec(select(Agent)).all() == []


def test_purge_attachments_removes_only_old_unlinked_files(
    client: TestClient,
    settings: Settings,
    engine: sa.Engine,
    register: Register,
    service_headers: Headers,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def upload(conversation: str) -> str:
        response = client.post(
            "/api/attachments",
            files={"file": ("a.jpg", b"\xff\xd8", "image/jpeg")},
            data={"conversation_id": conversation},
            headers=service_headers,
        )
        return str(response.json()["id"])

    linked, old, recent = upload("c-linked"), upload("c-abandoned"), upload("c-running")
    register("eurolux", conversation_id="c-linked")
    with Session(engine) as session:
        session.exec(sa.update(Attachment).values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=40)))
        session.exec(
            sa.update(Attachment)
            .where(Attachment.conversation_id == "c-running")
            .values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
        )
        session.commit()
    assert manage.main(["purge-attachments", "--older-than-days", "30"], settings) == 0
    assert "1 unlinked attachment(s)" in capsys.readouterr().out
    with Session(engine) as session:
        left = {str(attachment.id) for attachment in session.exec(select(Attachment)).all()}
    assert left == {linked, recent}
    assert old not in left
    files = {path.name for path in settings.attachments_dir.rglob("*") if path.is_file()}
    assert files == {linked.replace("-", ""), recent.replace("-", "")}


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True
