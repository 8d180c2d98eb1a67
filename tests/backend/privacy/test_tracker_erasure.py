"""Erasure and the transcripts' purge reach Rasa's tracker store (RASA_TRACKER_URL): the
conversation's rows of Rasa 3.6's `events` table go, other conversations stay."""

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import SecretStr

from backend.app.core.settings import Settings
from backend.app.privacy import rasa_tracker

Register = Callable[..., dict[str, Any]]
Headers = dict[str, str]

# Rasa 3.6's SQLTrackerStore.SQLEvent, as Rasa creates it on SQLite.
RASA_SCHEMA = """CREATE TABLE events (
    id INTEGER NOT NULL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"""


def _path(settings: Settings) -> Path:
    assert settings.rasa_tracker_url is not None
    return Path(sa.engine.make_url(settings.rasa_tracker_url.get_secret_value()).database or "")


@pytest.fixture
def tracker_db(settings: Settings) -> Iterator[Callable[..., None]]:
    """add(sender_id, text, at): one user event in a fresh tracker database."""
    path = _path(settings)
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as db:
        db.execute(RASA_SCHEMA)

    def add(sender: str, text: str, at: float | None = None) -> None:
        at = time.time() if at is None else at
        data = json.dumps({"event": "user", "text": text, "timestamp": at})
        with sqlite3.connect(path) as db:
            db.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, ?)",
                (sender, at, data),
            )

    yield add
    path.unlink(missing_ok=True)


def _senders(settings: Settings) -> list[str]:
    with sqlite3.connect(_path(settings)) as db:
        return sorted({sender for (sender,) in db.execute("SELECT sender_id FROM events")})


def test_erasure_deletes_the_conversation_from_rasas_tracker_store(
    client: TestClient, register: Register, admin_headers: Headers, settings: Settings, tracker_db
) -> None:
    register("eurolux", phone="050 123 45 67", conversation_id="wa:+994501234567")
    register("eurolux", phone="055 444 44 44", conversation_id="wa:+994554444444")
    tracker_db("wa:+994501234567", "Меня зовут Əli, 050 123 45 67")
    tracker_db("wa:+994501234567", "да")
    tracker_db("wa:+994554444444", "другой клиент")

    response = client.post("/api/privacy/erase", json={"phone": "+994 50 123 45 67"}, headers=admin_headers)
    assert response.status_code == 200, response.text
    assert _senders(settings) == ["wa:+994554444444"]


def test_erasure_with_the_tracker_store_away_erases_nothing_and_says_so(
    client: TestClient,
    register: Register,
    admin_headers: Headers,
    agent_headers: Headers,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    number = register("eurolux", phone="050 123 45 67", conversation_id="wa:+994501234567")["tracking_number"]
    # Nothing listens on port 9 of the loopback: the connection is refused at once.
    monkeypatch.setattr(settings, "rasa_tracker_url", SecretStr("postgresql://rasa@127.0.0.1:9/rasa"))
    response = client.post("/api/privacy/erase", json={"phone": "+994 50 123 45 67"}, headers=admin_headers)
    assert response.status_code == 503
    assert "nothing was erased" in response.json()["detail"]
    assert client.get(f"/api/complaints/{number}", headers=agent_headers).json()["phone"] == "+994501234567"


def test_no_tracker_database_is_nothing_to_delete(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'never-created.db'}"
    assert rasa_tracker.delete_conversations(missing, ["wa:+994501234567"]) == 0
    assert not (tmp_path / "never-created.db").exists()  # not created by looking
    empty = tmp_path / "other.db"
    sqlite3.connect(empty).close()  # a database without Rasa's table
    assert rasa_tracker.delete_conversations(f"sqlite:///{empty}", ["wa:+994501234567"]) == 0
    assert rasa_tracker.delete_conversations(None, ["x"]) == 0


def test_purge_deletes_quiet_conversations_without_a_complaint(
    client: TestClient, register: Register, settings: Settings, tracker_db, capsys: pytest.CaptureFixture[str]
) -> None:
    from backend.manage import main

    old = time.time() - 40 * 86400
    register("eurolux", conversation_id="rest:registered")
    tracker_db("rest:abandoned", "Меня зовут Фарид, 051 777 20 30", old)
    tracker_db("rest:registered", "жалоба", old)
    tracker_db("rest:recent", "давно", old)
    tracker_db("rest:recent", "и сегодня")

    assert main(["purge-transcripts", "--older-than-days", "30"], settings=settings) == 0
    assert "(1 tracker store event(s))" in capsys.readouterr().out
    assert _senders(settings) == ["rest:recent", "rest:registered"]
