"""Agents' accounts and their login tokens: tables and API schemas."""

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import BeforeValidator, StringConstraints, field_validator, model_validator
from sqlmodel import Field, Relationship, SQLModel

from backend.app.core.languages import ConsoleLanguage
from backend.app.core.models import UTCDateTime, stripped


class AgentRole(StrEnum):
    agent = "agent"
    supervisor = "supervisor"
    admin = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]


_ROLE_RANK = {AgentRole.agent: 0, AgentRole.supervisor: 1, AgentRole.admin: 2}


USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,31}$"
# An agent's own address for their alerts ("" in an update clears it).
STAFF_EMAIL_PATTERN = r"^$|^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
StaffEmail = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=STAFF_EMAIL_PATTERN)]
# How the built-in tokens appear in the history; no account may take these names.
RESERVED_USERNAMES = frozenset({"agent", "service", "system", "customer"})
PASSWORD_MIN_LENGTH = 12


class AgentBase(SQLModel):
    username: str = Field(max_length=32, unique=True)
    display_name: str = Field(max_length=200)
    role: AgentRole = Field(default=AgentRole.agent, sa_type=sa.String(16))
    is_active: bool = True


def _check_username(value: str) -> str:
    if value in RESERVED_USERNAMES:
        raise ValueError(f"{value!r} is reserved for the built-in tokens")
    return value


def _folded(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


Username = Annotated[str, BeforeValidator(_folded), StringConstraints(pattern=USERNAME_PATTERN)]
Password = Annotated[str, StringConstraints(min_length=PASSWORD_MIN_LENGTH, max_length=200)]


class AgentCreate(SQLModel):
    username: Username
    display_name: Annotated[str, stripped(200)]
    role: AgentRole = AgentRole.agent
    password: Password

    _username = field_validator("username")(_check_username)


class AgentUpdate(SQLModel):
    display_name: Annotated[str, stripped(200)] | None = None
    role: AgentRole | None = None
    # Deactivating an agent ends their sessions at once.
    is_active: bool | None = None
    password: Password | None = None
    # Where this agent's alerts go by e-mail; "" removes it.
    email: StaffEmail | None = None


class Agent(AgentBase, table=True):
    __tablename__ = "agent"

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(max_length=200)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    failed_logins: int = 0
    locked_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Lock-outs since the last right password: each lasts twice the one before (core/lockout.py).
    login_lockouts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The console's language the agent picked (null: the browser's).
    language: ConsoleLanguage | None = Field(default=None, sa_type=sa.String(2))
    # Where the agent's alerts go by e-mail (backend/app/alerts); null: not by e-mail.
    email: str | None = Field(default=None, max_length=254)


class AgentPublic(AgentBase):
    created_at: dt.datetime
    language: ConsoleLanguage | None = None
    email: str | None = None


class AgentRef(SQLModel):
    username: str
    display_name: str


class AuthToken(SQLModel, table=True):
    """A login: the bearer token itself is never stored, only its SHA-256 (it is 256 random bits,
    so a slow hash would add nothing)."""

    __tablename__ = "auth_token"

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)

    agent: Agent = Relationship()


class LoginRequest(SQLModel):
    username: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class LoginAnswer(SQLModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: dt.datetime
    agent: AgentPublic


class Me(SQLModel):
    username: str
    display_name: str
    # agent | supervisor | admin for agents, service for the action server's token.
    role: str
    # True for the AGENT_TOKEN and SERVICE_TOKEN of the settings.
    builtin: bool
    expires_at: dt.datetime | None
    # The console's language the agent picked; null for the built-in tokens and before a choice.
    language: ConsoleLanguage | None = None
    # The agent's address for their alerts (null: none).
    email: str | None = None


class MeUpdate(SQLModel):
    language: ConsoleLanguage | None = None
    # The agent's own address for their alerts; "" removes it.
    email: StaffEmail | None = None

    @model_validator(mode="after")
    def _something(self) -> "MeUpdate":
        if self.language is None and self.email is None:
            raise ValueError("give the console's language or your e-mail address for alerts")
        return self
