"""The alerts run in the notifications' dispatcher: the same local servers, controlled clock
and app (tests/backend/notifications/conftest.py)."""

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from backend.app.accounts.models import Agent
from backend.app.alerts.models import Alert, AlertRecipient
from backend.app.policies.profile import load_policies
from backend.app.teams import service as teams
from tests.backend.notifications.conftest import (  # noqa: F401  (fixtures)
    Timeline,
    loopback,
    nclient,
    notify_app,
    notify_settings,
    service,
    smtp,
    timeline,
)


@pytest.fixture
def join(engine: sa.Engine) -> Callable[..., None]:
    """join(agent, policy, team_key): makes the agent a member of the policy's team."""

    def _join(agent: Agent, policy: str, key: str) -> None:
        profile = load_policies()[policy]
        with Session(engine) as session:
            team = teams.team_by_key(session=session, policy=profile, key=key)
            session.commit()
            member = session.get(Agent, agent.id)
            assert member is not None
            teams.add_member(session=session, team=team, agent=member, now=dt.datetime.now(dt.UTC))

    return _join


@pytest.fixture
def set_email(engine: sa.Engine) -> Callable[..., None]:
    def _set(agent: Agent, email: str, language: str | None = None) -> None:
        with Session(engine) as session:
            row = session.get(Agent, agent.id)
            assert row is not None
            row.email = email
            row.language = language  # type: ignore[assignment]
            session.add(row)
            session.commit()

    return _set


def received(engine: sa.Engine) -> list[tuple[str, str | None, str, str]]:
    """(kind, deadline, username, reason) of every person's copy, in order."""
    with Session(engine) as session:
        rows = session.exec(
            select(Alert.kind, Alert.deadline, Agent.username, AlertRecipient.reason)
            .join(Alert, Alert.id == AlertRecipient.alert_id)  # type: ignore[arg-type]
            .join(Agent, Agent.id == AlertRecipient.agent_id)  # type: ignore[arg-type]
            .order_by(Alert.due_at, Alert.id, Agent.username)  # type: ignore[arg-type]
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def states(engine: sa.Engine) -> dict[tuple[str, str | None], str]:
    with Session(engine) as session:
        return {(a.kind, a.deadline): a.state for a in session.exec(select(Alert)).all()}
