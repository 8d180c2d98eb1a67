"""Notifications against local servers that speak the real protocols (Rasa's HTTP API, the
Telegram Bot API, the WhatsApp Cloud API, an SMS gateway: one loopback HTTP server; SMTP:
aiosmtpd), on a controlled clock."""

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlmodel import Session, select

from backend.app.accounts import service as accounts
from backend.app.accounts.models import AgentCreate, AgentRole
from backend.app.alerts.models import Alert, AlertRecipient
from backend.app.core import clock
from backend.app.core.models import utcnow
from backend.app.core.settings import Settings
from backend.app.main import create_app
from backend.app.notifications.models import Notification, NotificationState
from backend.app.notifications.service import NotificationService
from backend.app.teams import service as teams
from tests.support.loopback import LoopbackServer, SmtpSink

RASA_TOKEN = "test-rasa-token"
TELEGRAM_TOKEN = "123456:TEST"
SUPERVISOR = "boss@example.com"
ON_DUTY = "duty@example.com"
TEMPLATES = {"ru": "complaint_update", "az": "complaint_update", "ro": "complaint_update", "tr": "complaint_update"}


@pytest.fixture(scope="session")
def loopback() -> Iterator[LoopbackServer]:
    with LoopbackServer(rasa_token=RASA_TOKEN) as server:
        yield server


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


def sender_settings(base: Settings, loopback: LoopbackServer, smtp: SmtpSink, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "rasa_url": loopback.url,
        "rasa_token": SecretStr(RASA_TOKEN),
        "smtp_url": SecretStr(smtp.url),
        "smtp_from": "complaints@example.com",
        "telegram_bot_token": SecretStr(TELEGRAM_TOKEN),
        "telegram_api_base_url": loopback.url,
        "whatsapp_access_token": SecretStr("test-whatsapp-token"),
        "whatsapp_phone_number_id": "1555000",
        "whatsapp_api_base_url": loopback.url,
        "whatsapp_templates": TEMPLATES,
        "sms_gateway_url": f"{loopback.url}/sms",
        "scheduler_enabled": False,
        "approval_reminder_days": 3,
        "notification_concurrency": 8,
        "notification_send_timeout_seconds": 5,
    }
    values.update(changes)
    return base.model_copy(update=values)


@pytest.fixture(scope="session")
def notify_settings(settings: Settings, loopback: LoopbackServer, smtp: SmtpSink) -> Settings:
    return sender_settings(settings, loopback, smtp)


@pytest.fixture(scope="session")
def notify_app(notify_settings: Settings, _started: TestClient) -> Iterator[FastAPI]:
    """An app whose senders point at the loopback servers; the scheduler is off, the tests
    drive the dispatcher on a ManualClock."""
    app = create_app(notify_settings)
    with TestClient(app):
        yield app


@pytest.fixture
def nclient(client: TestClient, notify_app: FastAPI, loopback: LoopbackServer, smtp: SmtpSink) -> Iterator[TestClient]:
    """A clean database (`client` empties it) and clean loopback servers."""
    loopback.records.clear()
    loopback.conversations.clear()
    loopback.open_pages.clear()
    loopback._failures.clear()
    loopback.intents = None
    smtp.messages.clear()
    smtp.failures = 0
    yield TestClient(notify_app)


@pytest.fixture
def service(notify_app: FastAPI) -> NotificationService:
    notifications: NotificationService = notify_app.state.notifications
    return notifications


class Timeline:
    """Runs the policy's timeline on a ManualClock: `at("05.02 11:00")` delivers, in order,
    everything due until then, and stops the clock there."""

    def __init__(self, service: NotificationService, manual: clock.ManualClock, tz: ZoneInfo, year: int) -> None:
        self.service = service
        self.clock = manual
        self.tz = tz
        self.year = year

    def moment(self, local: str) -> dt.datetime:
        day, time = local.split()
        return dt.datetime.strptime(f"{day}.{self.year} {time}", "%d.%m.%Y %H:%M").replace(tzinfo=self.tz)

    def next_due(self) -> dt.datetime | None:
        """The next notification or alert due (the dispatcher claims both)."""
        with Session(self.service.dispatcher.engine) as session:
            moments = [
                session.exec(
                    select(sa.func.min(table.attempt_at)).where(table.state == NotificationState.planned)
                ).one()  # type: ignore[attr-defined]
                for table in (Notification, Alert)
            ]
        return min((moment for moment in moments if moment is not None), default=None)

    def at(self, local: str) -> dt.datetime:
        target = self.moment(local)
        while True:
            due = self.next_due()
            if due is None or due > target:
                break
            self.clock.set(max(self.clock.now(), due))
            self.service.dispatcher.run_due()
        self.clock.set(target)
        self.service.dispatcher.run_due()
        return target


@pytest.fixture
def timeline(service: NotificationService) -> Iterator[Callable[..., Timeline]]:
    """timeline(tz, start): a Timeline whose clock starts at `start` ("dd.mm HH:MM" of 2026)."""
    made: list[Any] = []

    def _timeline(tz: ZoneInfo, start: str, year: int = 2026) -> Timeline:
        manual = clock.ManualClock(dt.datetime.now(dt.UTC))
        line = Timeline(service, manual, tz, year)
        manual.set(line.moment(start))
        context = clock.use(manual)
        context.__enter__()
        made.append(context)
        return line

    yield _timeline
    for context in reversed(made):
        context.__exit__(None, None, None)


def sent_log(engine: sa.Engine, tz: ZoneInfo) -> list[tuple[str, str, str, str]]:
    """(local sent time, kind, audience, channel) of every sent notification, in sending order."""
    with Session(engine) as session:
        rows = session.exec(
            select(Notification)
            .where(Notification.state == NotificationState.sent)
            .order_by(Notification.sent_at, Notification.due_at, Notification.id)
        ).all()
        return [
            (row.sent_at.astimezone(tz).strftime("%d.%m %H:%M"), row.kind, row.audience, row.channel or "")  # type: ignore[union-attr]
            for row in rows
        ]


def staff_on_duty(engine: sa.Engine, policy: str) -> None:
    """An agent in every team of the policy ("duty", duty@example.com) and a supervisor of no
    team ("boss", boss@example.com): the people the policy's alerts reach."""
    from backend.app.policies.profile import load_policies

    profile = load_policies()[policy]
    with Session(engine) as session:
        made = {}
        for username, role, email in (("duty", AgentRole.agent, ON_DUTY), ("boss", AgentRole.supervisor, SUPERVISOR)):
            agent = accounts.create_agent(
                session=session,
                agent_in=AgentCreate(
                    username=username, display_name=username.title(), role=role, password="a-long-password-1"
                ),
                now=utcnow(),
            )
            agent.email = email
            session.add(agent)
            session.commit()
            made[username] = agent
        for team in profile.teams:
            row = teams.team_by_key(session=session, policy=profile, key=team.id)
            session.commit()
            teams.add_member(session=session, team=row, agent=made["duty"], now=utcnow())


def alert_log(engine: sa.Engine, tz: ZoneInfo) -> list[tuple[str, str, str, str]]:
    """(local time, kind, deadline, who) of every alert sent or failed, in order; who: the
    recipients' reasons (team, assignee, supervisor), or "failed"."""
    with Session(engine) as session:
        rows = session.exec(
            select(Alert)
            .where(sa.or_(Alert.state == NotificationState.sent, Alert.state == NotificationState.failed))
            .order_by(Alert.due_at, Alert.id)  # type: ignore[arg-type]
        ).all()
        log = []
        for row in rows:
            reasons = session.exec(select(AlertRecipient.reason).where(AlertRecipient.alert_id == row.id)).all()
            who = "+".join(sorted(set(reasons))) if row.state == NotificationState.sent else "failed"
            at = (row.sent_at or row.due_at).astimezone(tz).strftime("%d.%m %H:%M")
            log.append((at, row.kind, row.deadline or "", who))
        return log
