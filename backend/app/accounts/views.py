"""Agents' accounts: admins add and change them, every agent can list them (to assign)."""

import logging
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from backend.app.accounts import service
from backend.app.accounts.deps import CurrentAdmin, CurrentAgent
from backend.app.accounts.models import USERNAME_PATTERN, AgentCreate, AgentPublic, AgentRole, AgentUpdate
from backend.app.core.deps import SessionDep
from backend.app.core.errors import refusals
from backend.app.core.models import utcnow

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/agents", tags=["agents"])

UsernamePath = Annotated[str, Path(pattern=USERNAME_PATTERN, description="lower case")]


@router.get("")
def list_agents(session: SessionDep, _agent: CurrentAgent, include_inactive: bool = False) -> list[AgentPublic]:
    return [
        AgentPublic.model_validate(agent)
        for agent in service.list_agents(session=session, include_inactive=include_inactive)
    ]


@router.post("", status_code=HTTPStatus.CREATED, responses={HTTPStatus.CONFLICT: {"description": "username taken"}})
def create_agent(agent_in: AgentCreate, session: SessionDep, admin: CurrentAdmin) -> AgentPublic:
    with refusals({service.AgentExists: HTTPStatus.CONFLICT}):
        agent = service.create_agent(session=session, agent_in=agent_in, now=utcnow())
    log.info("agent account created username=%s role=%s by=%s", agent.username, agent.role, admin.actor)
    return AgentPublic.model_validate(agent)


@router.patch(
    "/{username}",
    responses={
        HTTPStatus.NOT_FOUND: {"description": "unknown agent"},
        HTTPStatus.CONFLICT: {"description": "an admin cannot demote or deactivate themselves"},
    },
)
def update_agent(
    username: UsernamePath, agent_in: AgentUpdate, session: SessionDep, admin: CurrentAdmin
) -> AgentPublic:
    """Display name, role, active flag or a new password; the last two end the agent's sessions."""
    agent = service.get_agent_by_username(session=session, username=username)
    if agent is None:
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="unknown agent")
    if admin.account is not None and agent.id == admin.account.id:
        if agent_in.is_active is False or (agent_in.role is not None and agent_in.role is not AgentRole.admin):
            raise HTTPException(
                status_code=HTTPStatus.CONFLICT,
                detail="an admin cannot deactivate or demote their own account; ask another admin",
            )
    agent = service.update_agent(session=session, agent=agent, agent_in=agent_in, now=utcnow())
    log.info(
        "agent account changed username=%s fields=%s by=%s",
        agent.username,
        sorted(agent_in.model_fields_set),
        admin.actor,
    )
    return AgentPublic.model_validate(agent)
