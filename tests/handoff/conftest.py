"""Handoff tests: API tests in-process against a real database (SQLite, and PostgreSQL when
TEST_POSTGRES_URL is set) with a loopback fake of Rasa's HTTP API; end-to-end tests against the
real processes (tests/support/stack.py) with the event broker on, a fake Telegram Bot API and the
web chat in headless Chromium."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from backend.app.core.settings import Settings  # noqa: E402

# The backend suite's fixtures (database per run, app, client, agents, logins, complaints);
# `settings` is replaced below so that the app talks to the fake Rasa.
from tests.backend.conftest import *  # noqa: E402,F403
from tests.backend.conftest import AGENT_TOKEN, ATTACHMENT_MAX_BYTES, SERVICE_TOKEN, _started  # noqa: E402,F401
from tests.support.rasa_api import RASA_TOKEN, FakeRasa  # noqa: E402


@pytest.fixture(scope="session")
def fake_rasa() -> Iterator[FakeRasa]:
    server = FakeRasa(token=RASA_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _rasa_answers(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts with a fake Rasa that answers."""
    if "fake_rasa" in request.fixturenames:
        server: FakeRasa = request.getfixturevalue("fake_rasa")
        server.fail_with = None
    yield


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory, fake_rasa: FakeRasa) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="development",
        database_url=database_url,
        agent_token=SecretStr(AGENT_TOKEN),
        service_token=SecretStr(SERVICE_TOKEN),
        secret_key=SecretStr("test-secret-key"),
        complaint_policy="eurolux",
        attachments_dir=tmp_path_factory.mktemp("attachments"),
        attachment_max_bytes=ATTACHMENT_MAX_BYTES,
        rasa_url=fake_rasa.url,
        rasa_token=SecretStr(RASA_TOKEN),
        rasa_timeout_seconds=5,
        # As in the backend suite: no scheduler of notifications in the background.
        **({"scheduler_enabled": False} if "scheduler_enabled" in Settings.model_fields else {}),
    )


SLOTS = {
    "full_name": "Мамедова Лейла Рашидовна",
    "phone": "+994501112233",
    "email": None,
    "staff_member": None,
    "complaint_text": None,
    "complaint_category": None,
    "inverter_model": None,
    "serial_number": None,
    "ticket_number": None,
    "solution_idea": None,
    "tracking_number": None,
    "requested_slot": "staff_member",
}


@pytest.fixture
def handoff_request(client, service_headers) -> Callable[..., Any]:
    """handoff_request(conversation_id, **overrides): POST /api/handoffs as the action server."""

    def _request(conversation_id: str, **overrides: Any):
        body = {
            "conversation_id": conversation_id,
            "channel": "telegram",
            "language": "ru",
            "policy": "eurolux",
            "reason": "requested",
            "slots": dict(SLOTS),
            **overrides,
        }
        return client.post("/api/handoffs", json=body, headers=service_headers)

    return _request


# --- the real processes (end-to-end tests) ------------------------------------------------------


@pytest.fixture(scope="session")
def telegram():
    from tests.handoff.handoff_stack import TELEGRAM_TOKEN, FakeTelegram

    server = FakeTelegram(TELEGRAM_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def handoff_stack(tmp_path_factory, telegram):
    from tests.handoff.handoff_stack import start_stack

    stack = start_stack(tmp_path_factory.mktemp("handoff-stack"), telegram)
    try:
        yield stack
    finally:
        stack.stop_all()


@pytest.fixture(scope="session")
def e2e_agents(handoff_stack):
    """Bearer headers of root (admin) and the agents alice, bob and carol on the running backend."""
    from tests.handoff.handoff_stack import create_agents

    return create_agents(handoff_stack, "root", "alice", "bob", "carol")
