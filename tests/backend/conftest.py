"""Backend tests run against a real database: SQLite in a temporary directory, and PostgreSQL
as well when TEST_POSTGRES_URL is set (each run in a schema of its own, dropped at the end)."""

import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from pydantic import SecretStr
from sqlmodel import Session, SQLModel

from backend.app.accounts import service as accounts
from backend.app.accounts.models import Agent, AgentCreate, AgentRole, AgentUpdate
from backend.app.core.models import utcnow
from backend.app.core.settings import Settings
from backend.app.main import create_app

with warnings.catch_warnings():
    # Starlette 1.x nudges its TestClient towards httpx2; the locked httpx works.
    warnings.filterwarnings("ignore", "Using `httpx`", UserWarning)
    from fastapi.testclient import TestClient

AGENT_TOKEN = "test-agent-token"
SERVICE_TOKEN = "test-service-token"
PASSWORD = "correct horse battery staple"
# Small, so that the 413 tests stay fast; the default is 10 MiB.
ATTACHMENT_MAX_BYTES = 64 * 1024

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_POSTGRES_URL") else [])

# A complete, valid complaint per policy, in one of the policy's languages.
VALID_COMPLAINTS: dict[str, dict[str, Any]] = {
    "eurolux": {
        "full_name": "Məmmədov Əli Vəli oğlu",
        "phone": "050 123 45 67",
        "staff_member": "kassir Leyla",
        "complaint_text": "Televizor çatdırılmadı, iki həftədir gözləyirəm.",
        "language": "az",
        "channel": "rest",
    },
    "kontakt": {
        "full_name": "Иванов Иван Иванович",
        "email": "ivanov@example.com",
        "complaint_text": "Стиральную машину привезли с вмятиной на корпусе.",
        "language": "ru",
        "channel": "telegram",
    },
    "music_gallery": {
        "full_name": "Həsənova Nigar Rəşid qızı",
        "phone": "+994 55 555 55 55",
        "complaint_text": "Gitaranın simi ilk gün qırıldı.",
        "language": "az",
        "channel": "socketio",
    },
    "inverter_eu": {
        "full_name": "Ion Popescu",
        "email": "ion.popescu@example.ro",
        "complaint_category": "product",
        "inverter_model": "SUN2000-5KTL-M1",
        "serial_number": "HV2207012345",
        "complaint_text": "Invertorul afișează eroarea 2032 și nu livrează în rețea.",
        "language": "ro",
        "channel": "email",
    },
    "poliser": {
        "full_name": "Ayşe Yılmaz",
        "phone": "0532 123 45 67",
        "complaint_text": "Siparişim eksik teslim edildi, faturada olmayan ürün var.",
        "language": "tr",
        "channel": "whatsapp",
    },
}


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'backend.db'}"
        return
    base = sa.engine.make_url(os.environ["TEST_POSTGRES_URL"])
    schema = f"test_backend_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="development",
        database_url=database_url,
        agent_token=SecretStr(AGENT_TOKEN),
        service_token=SecretStr(SERVICE_TOKEN),
        secret_key=SecretStr("test-secret-key"),
        complaint_policy="eurolux",
        pin_max_attempts=3,
        pin_lockout_minutes=15,
        # Above the per-complaint lock-out tests' dozen wrong PINs from the one test client.
        status_lookup_client_limit="20 per 15 minutes",
        login_max_attempts=3,
        login_lockout_minutes=15,
        auth_token_ttl_hours=12,
        attachments_dir=tmp_path_factory.mktemp("attachments"),
        # Never the developer's var/rasa-tracker.db: a file the tests create when they need it.
        rasa_tracker_url=SecretStr(f"sqlite:///{tmp_path_factory.mktemp('rasa') / 'rasa-tracker.db'}"),
        attachment_max_bytes=ATTACHMENT_MAX_BYTES,
        # Tests that want notifications sent drive the dispatcher themselves (tests/backend/notifications).
        scheduler_enabled=False,
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture(scope="session")
def _started(app: FastAPI) -> Iterator[TestClient]:
    """Started once per database: the lifespan runs `alembic upgrade head`."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def engine(app: FastAPI) -> sa.Engine:
    engine: sa.Engine = app.state.engine
    return engine


@pytest.fixture
def client(_started: TestClient, engine: sa.Engine, settings: Settings) -> TestClient:
    # Every test starts with the public look-up's per-client counters empty (tracking/rate_limit.py).
    _started.app.state.lookup_limit.reset()  # type: ignore[attr-defined]
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())
    for path in sorted(settings.attachments_dir.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    return _started


@pytest.fixture(scope="session")
def agent_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {AGENT_TOKEN}"}


@pytest.fixture(scope="session")
def service_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {SERVICE_TOKEN}"}


@pytest.fixture(scope="session")
def payload() -> Callable[..., dict[str, Any]]:
    """payload(policy, **overrides): a valid complaint of that policy; None drops a field."""

    def _payload(policy: str = "eurolux", **overrides: Any) -> dict[str, Any]:
        merged = {**VALID_COMPLAINTS[policy], "policy": policy, **overrides}
        return {key: value for key, value in merged.items() if value is not None}

    return _payload


@pytest.fixture
def register(
    client: TestClient, payload: Callable[..., dict[str, Any]], service_headers: dict[str, str]
) -> Callable[..., dict[str, Any]]:
    """register(policy, **overrides): registers a valid complaint and returns the 201 answer."""

    def _register(policy: str = "eurolux", **overrides: Any) -> dict[str, Any]:
        response = client.post("/api/complaints", json=payload(policy, **overrides), headers=service_headers)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return _register


@pytest.fixture
def make_agent(client: TestClient, engine: sa.Engine) -> Callable[..., Agent]:
    """make_agent(username, role="agent", password=PASSWORD, active=True): an account in the database."""

    def _make_agent(username: str, role: str = "agent", password: str = PASSWORD, active: bool = True) -> Agent:
        with Session(engine) as session:
            agent_in = AgentCreate(
                username=username, display_name=username.title(), role=AgentRole(role), password=password
            )
            agent = accounts.create_agent(session=session, agent_in=agent_in, now=utcnow())
            if not active:
                agent = accounts.update_agent(
                    session=session, agent=agent, agent_in=AgentUpdate(is_active=False), now=utcnow()
                )
            session.expunge(agent)
        return agent

    return _make_agent


@pytest.fixture
def login(client: TestClient) -> Callable[..., dict[str, str]]:
    """login(username, password=PASSWORD): bearer headers of a fresh login."""

    def _login(username: str, password: str = PASSWORD) -> dict[str, str]:
        response = client.post("/api/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return _login


@pytest.fixture
def admin_headers(make_agent: Callable[..., Agent], login: Callable[..., dict[str, str]]) -> dict[str, str]:
    make_agent("root", role="admin")
    return login("root")


@pytest.fixture
def row_counts(engine: sa.Engine, settings: Settings) -> Callable[[], dict[str, int]]:
    """row_counts(): rows per table, and files in the attachment store, to show nothing changed."""

    def _row_counts() -> dict[str, int]:
        with engine.connect() as connection:
            counts = {
                table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for table in SQLModel.metadata.sorted_tables
            }
        counts["files"] = sum(1 for path in settings.attachments_dir.rglob("*") if path.is_file())
        return counts

    return _row_counts
