"""FastAPI dependencies, as Annotated aliases."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from backend.app.accounts import service as account_service
from backend.app.accounts.models import Agent, AgentRole, AuthToken
from backend.app.core.models import utcnow
from backend.app.core.security import Role, role_for_token
from backend.app.core.settings import Settings
from backend.app.policies.profile import PolicyProfile

# Longer bearer tokens are not ours; refused before any database work.
_MAX_TOKEN_LENGTH = 256


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_policies(request: Request) -> Mapping[str, PolicyProfile]:
    policies: Mapping[str, PolicyProfile] = request.app.state.policies
    return policies


def get_session(request: Request) -> Iterator[Session]:
    # A request commits and then answers from the objects it holds: reloading them after
    # each commit (SQLAlchemy's default) would only cost queries.
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
PoliciesDep = Annotated[Mapping[str, PolicyProfile], Depends(get_policies)]
SessionDep = Annotated[Session, Depends(get_session)]


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


_bearer = HTTPBearer(auto_error=False)


def get_caller(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    settings: SettingsDep,
    session: SessionDep,
) -> Caller:
    token = None if credentials is None else credentials.credentials
    caller = None
    if token and len(token) <= _MAX_TOKEN_LENGTH:
        role = role_for_token(token, settings)
        if role is Role.service:
            caller = Caller(role=Role.service)
        elif role is Role.agent:
            caller = Caller(role=Role.agent, agent_role=AgentRole.agent)
        else:
            found = account_service.agent_for_token(session=session, token=token, now=utcnow())
            if found is not None:
                agent, auth_token = found
                caller = Caller(role=Role.agent, agent_role=AgentRole(agent.role), account=agent, token=auth_token)
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


CurrentCaller = Annotated[Caller, Depends(get_caller)]
CurrentAgent = Annotated[Caller, Depends(get_current_agent)]
CurrentAdmin = Annotated[Caller, Depends(get_current_admin)]
