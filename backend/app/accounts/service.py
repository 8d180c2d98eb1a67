"""Agents' accounts and login tokens: keyword-only data functions, as in complaints/service.py."""

import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.app.accounts.models import Agent, AgentCreate, AgentUpdate, AuthToken
from backend.app.core.security import (
    access_token_digest,
    hash_password,
    new_access_token,
    password_needs_rehash,
    verify_password,
)

log = logging.getLogger(__name__)


class AgentExists(Exception):
    def __init__(self, username: str) -> None:
        super().__init__(f"an agent named {username!r} already exists")


class LoginLocked(Exception):
    def __init__(self, until: dt.datetime) -> None:
        super().__init__("too many wrong passwords")
        self.until = until


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
    changes = agent_in.model_dump(exclude_unset=True, exclude={"password"})
    agent.sqlmodel_update({key: value for key, value in changes.items() if value is not None})
    ends_sessions = agent_in.password is not None or agent_in.is_active is False
    if agent_in.password is not None:
        agent.password_hash = hash_password(agent_in.password)
        agent.failed_logins = 0
        agent.locked_until = None
    agent.updated_at = now
    session.add(agent)
    if ends_sessions:
        session.exec(sa.delete(AuthToken).where(col(AuthToken.agent_id) == agent.id))
    session.commit()
    session.refresh(agent)
    return agent


# --- logging in --------------------------------------------------------------------------------


def authenticate(
    *,
    session: Session,
    username: str,
    password: str,
    now: dt.datetime,
    max_attempts: int,
    lockout: dt.timedelta,
) -> Agent | None:
    """The agent when the password is right and the account active, else None. Raises
    LoginLocked while the account is locked after `max_attempts` wrong passwords in a row."""
    agent = get_agent_by_username(session=session, username=username)
    if agent is not None and agent.locked_until is not None and agent.locked_until > now:
        raise LoginLocked(agent.locked_until)
    if not verify_password(agent.password_hash if agent is not None else None, password):
        if agent is not None:
            _count_failure(session=session, agent=agent, max_attempts=max_attempts, lockout=lockout, now=now)
        return None
    assert agent is not None
    if not agent.is_active:
        return None
    agent.failed_logins = 0
    agent.locked_until = None
    if password_needs_rehash(agent.password_hash):
        agent.password_hash = hash_password(password)
    session.add(agent)
    session.commit()
    return agent


def _count_failure(
    *, session: Session, agent: Agent, max_attempts: int, lockout: dt.timedelta, now: dt.datetime
) -> None:
    failures: int = session.exec(
        sa.update(Agent)
        .where(col(Agent.id) == agent.id)
        .values(failed_logins=col(Agent.failed_logins) + 1)
        .returning(col(Agent.failed_logins))
    ).scalar_one()
    if failures >= max_attempts:
        session.exec(
            sa.update(Agent).where(col(Agent.id) == agent.id).values(failed_logins=0, locked_until=now + lockout)
        )
        log.warning("agent login locked after %d wrong passwords username=%s", failures, agent.username)
    session.commit()


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
