"""FastAPI dependencies every feature's routes use, as Annotated aliases: the settings and the
request's database session. Who is calling: backend.app.accounts.deps."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from backend.app.core.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    # A request commits and then answers from the objects it holds: reloading them after
    # each commit (SQLAlchemy's default) would only cost queries.
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
