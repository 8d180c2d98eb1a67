"""Agents' accounts and login tokens: keyword-only data functions, as in complaints/service.py."""

import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.app.accounts.models import Agent, AgentCreate, AgentUpdate, AuthToken
from backend.app.core import lockout
from backend.app.core.languages import ConsoleLanguage
from backend.app.core.security import (
    access_token_digest,
    hash_password,
    new_access_token,
    password_needs_rehash,
    verify_password,
)

log = logging.getLogger(__name__)

_columns = Agent.__table__.c  # type: ignore[attr-defined]
LOGIN_COUNTER = lockout.Counter(
    id=_columns.id,
    failures=_columns.failed_logins,
    locked_until=_columns.locked_until,
    lockouts=_columns.login_lockouts,
)


class AgentExists(Exception):
    def __init__(self, username: str) -> None:
        super().__init__(f"an agent named {username!r} already exists")


# --- agents ------------------------------------------------------------------------------------


def get_agent_by_username(*, session: Session, username: str) -> Agent | None:
    return session.exec(select(Agent).where(Agent.username == username.strip().lower())).first()


def list_agents(*, session: Session, include_inactive: bool = False) -> list[Agent]:
    statement = select(Agent).order_by(col(Agent.username))
    if not include_inactive:
        statement = statement.where(col(Agent.is_active).is_(True))
    return list(session.exec(statement).all())


def create_agent(*, session: Session, agent_in: AgentCreate, now: dt.datetime) -> Agent:
    agent = Agent(
        username=agent_in.username,
        display_name=agent_in.display_name,
        role=agent_in.role,
        password_hash=hash_password(agent_in.password),
        created_at=now,
        updated_at=now,
    )
    session.add(agent)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise AgentExists(agent_in.username) from None
    session.refresh(agent)
    return agent


def update_agent(*, session: Session, agent: Agent, agent_in: AgentUpdate, now: dt.datetime) -> Agent:
    """A new password or a deactivation ends the agent's sessions."""
    changes = agent_in.model_dump(exclude_unset=True, exclude={"password", "email"})
    agent.sqlmodel_update({key: value for key, value in changes.items() if value is not None})
    if agent_in.email is not None:
        agent.email = agent_in.email or None
    ends_sessions = agent_in.password is not None or agent_in.is_active is False
    if agent_in.password is not None:
        agent.password_hash = hash_password(agent_in.password)
        agent.failed_logins = 0
        agent.locked_until = None
        agent.login_lockouts = 0
    agent.updated_at = now
    session.add(agent)
    if ends_sessions:
        session.exec(sa.delete(AuthToken).where(col(AuthToken.agent_id) == agent.id))
    session.commit()
    session.refresh(agent)
    return agent


def set_email(*, session: Session, agent: Agent, email: str, now: dt.datetime) -> Agent:
    """The agent's own address for their alerts ("" removes it)."""
    agent.email = email or None
    agent.updated_at = now
    session.add(agent)
    session.commit()
    session.refresh(agent)
    return agent


def set_language(*, session: Session, agent: Agent, language: ConsoleLanguage, now: dt.datetime) -> Agent:
    agent.language = language
    agent.updated_at = now
    session.add(agent)
    session.commit()
    session.refresh(agent)
    return agent


# --- logging in --------------------------------------------------------------------------------


def authenticate(
    *, session: Session, username: str, password: str, now: dt.datetime, rules: lockout.Lockout
) -> Agent | None:
    """The agent when the password is right and the account active, else None (an unknown
    username costs the same hash check). Raises lockout.Locked while the account is locked
    after `rules.max_attempts` wrong passwords in a row, and for the wrong password that locks it."""
    agent = get_agent_by_username(session=session, username=username)
    if agent is None:
        verify_password(None, password)  # as long as a real check
        return None
    assert agent.id is not None
    attempt, lock = lockout.take_attempt(session=session, counter=LOGIN_COUNTER, row_id=agent.id, rules=rules, now=now)
    if attempt is lockout.Attempt.missing:
        return None
    if not verify_password(agent.password_hash, password):
        if attempt is lockout.Attempt.last:
            log.warning("agent login locked after wrong passwords username=%s", agent.username)
            raise lockout.Locked(lock)
        return None
    lockout.clear(session=session, counter=LOGIN_COUNTER, row_id=agent.id)
    if not agent.is_active:
        return None
    if password_needs_rehash(agent.password_hash):
        agent.password_hash = hash_password(password)
        session.add(agent)
        session.commit()
    return agent


def issue_token(*, session: Session, agent: Agent, ttl: dt.timedelta, now: dt.datetime) -> tuple[str, AuthToken]:
    """A new bearer token (returned in clear this once); the agent's expired ones go."""
    token = new_access_token()
    assert agent.id is not None
    auth_token = AuthToken(
        agent_id=agent.id, token_hash=access_token_digest(token), created_at=now, expires_at=now + ttl
    )
    session.exec(sa.delete(AuthToken).where(col(AuthToken.agent_id) == agent.id, col(AuthToken.expires_at) <= now))
    session.add(auth_token)
    session.commit()
    session.refresh(auth_token)
    return token, auth_token


def agent_for_token(*, session: Session, token: str, now: dt.datetime) -> tuple[Agent, AuthToken] | None:
    row = session.exec(
        select(Agent, AuthToken)
        .join(AuthToken, col(AuthToken.agent_id) == col(Agent.id))
        .where(
            AuthToken.token_hash == access_token_digest(token),
            col(AuthToken.expires_at) > now,
            col(Agent.is_active).is_(True),
        )
    ).first()
    return None if row is None else (row[0], row[1])


def revoke_token(*, session: Session, auth_token: AuthToken) -> None:
    session.exec(sa.delete(AuthToken).where(col(AuthToken.id) == auth_token.id))
    session.commit()
