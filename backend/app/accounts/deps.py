"""Who is calling: a bearer token (of a request, or the first message of the console's
websocket) resolved to the action server (SERVICE_TOKEN), an agent's own account, or the
built-in AGENT_TOKEN; as Annotated aliases for the routes."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from backend.app.accounts import service
from backend.app.accounts.models import Agent, AgentRole, AuthToken
from backend.app.core.deps import SessionDep, SettingsDep
from backend.app.core.errors import invalid
from backend.app.core.models import utcnow
from backend.app.core.security import Role, role_for_token
from backend.app.core.settings import Settings

# Longer bearer tokens are not ours; refused before any database work.
_MAX_TOKEN_LENGTH = 256


@dataclass(frozen=True)
class Caller:
    """Who is calling: the action server (service rights), an agent logged in with their own
    account, or the built-in AGENT_TOKEN (agent rights, role agent, no account)."""

    role: Role
    agent_role: AgentRole | None = None
    account: Agent | None = None
    token: AuthToken | None = None

    @property
    def actor(self) -> str:
        """How the caller appears in a complaint's history."""
        return self.account.username if self.account is not None else self.role.value

    def has_role(self, wanted: AgentRole) -> bool:
        return self.agent_role is not None and self.agent_role.rank >= wanted.rank


def caller_for_token(token: str, settings: Settings, session: Session) -> Caller | None:
    """The caller a bearer token stands for, or None (unknown, expired, deactivated)."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    role = role_for_token(token, settings)
    if role is Role.service:
        return Caller(role=Role.service)
    if role is Role.agent:
        return Caller(role=Role.agent, agent_role=AgentRole.agent)
    found = service.agent_for_token(session=session, token=token, now=utcnow())
    if found is None:
        return None
    agent, auth_token = found
    return Caller(role=Role.agent, agent_role=AgentRole(agent.role), account=agent, token=auth_token)


_bearer = HTTPBearer(auto_error=False)


def get_caller(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    settings: SettingsDep,
    session: SessionDep,
) -> Caller:
    caller = caller_for_token("" if credentials is None else credentials.credentials, settings, session)
    if caller is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="missing, unknown or expired bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return caller


def get_current_agent(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
    if caller.role is not Role.agent:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="agent rights required")
    return caller


def get_current_admin(agent: Annotated[Caller, Depends(get_current_agent)]) -> Caller:
    if not agent.has_role(AgentRole.admin):
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="admin rights required")
    return agent


def get_current_service(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
    if caller.role is not Role.service:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="service rights required")
    return caller


CurrentCaller = Annotated[Caller, Depends(get_caller)]
CurrentAgent = Annotated[Caller, Depends(get_current_agent)]
CurrentAdmin = Annotated[Caller, Depends(get_current_admin)]
CurrentService = Annotated[Caller, Depends(get_current_service)]


def active_agent_or_422(session: Session, username: str) -> Agent:
    """The active agent of this username (given in the body's `username`), else a 422."""
    agent = service.get_agent_by_username(session=session, username=username)
    if agent is None or not agent.is_active:
        raise invalid("body", "username", "no active agent has this username", username)
    return agent
