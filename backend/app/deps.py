"""FastAPI dependencies, as Annotated aliases."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from backend.app.policies import PolicyProfile
from backend.app.security import Role, role_for_token
from backend.app.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_policies(request: Request) -> Mapping[str, PolicyProfile]:
    policies: Mapping[str, PolicyProfile] = request.app.state.policies
    return policies


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
PoliciesDep = Annotated[Mapping[str, PolicyProfile], Depends(get_policies)]
SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True)
class Caller:
    role: Role

    @property
    def actor(self) -> str:
        """How the caller appears in a complaint's history."""
        return self.role.value


_bearer = HTTPBearer(auto_error=False)


def get_caller(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)], settings: SettingsDep
) -> Caller:
    role = None if credentials is None else role_for_token(credentials.credentials, settings)
    if role is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="missing or unknown bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Caller(role=role)


def get_current_agent(caller: Annotated[Caller, Depends(get_caller)]) -> Caller:
    if caller.role is not Role.agent:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="agent rights required")
    return caller


CurrentCaller = Annotated[Caller, Depends(get_caller)]
CurrentAgent = Annotated[Caller, Depends(get_current_agent)]
