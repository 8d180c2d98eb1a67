"""The teams of the policies with their members (agents read), and the admin's changes of
membership."""

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response

from backend.app.accounts import service as accounts
from backend.app.accounts.deps import CurrentAdmin, CurrentAgent, active_agent_or_422
from backend.app.accounts.models import Agent, AgentRef
from backend.app.core.deps import SessionDep
from backend.app.core.models import utcnow
from backend.app.core.settings import PolicyId
from backend.app.policies.deps import PoliciesDep
from backend.app.policies.profile import PolicyProfile
from backend.app.teams import service
from backend.app.teams.models import Team, TeamPublic

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/teams", tags=["teams"])

TeamId = Annotated[int, Path(ge=1)]
Username = Annotated[str, Path(max_length=32)]


@router.get("")
def list_teams(
    session: SessionDep, _agent: CurrentAgent, policies: PoliciesDep, policy: Annotated[PolicyId | None, Query()] = None
) -> list[TeamPublic]:
    """Every policy's teams (or one policy's) with their names, categories and members."""
    service.ensure_teams(session=session, policies=policies)
    session.commit()
    members = service.all_members(session=session)
    return [
        team_public(team, policies, members.get(team.id or 0, []))
        for team in service.list_teams(session=session)
        if policy is None or team.policy == policy
    ]


@router.put("/{team_id}/members/{username}", responses={HTTPStatus.NOT_FOUND: {"description": "unknown team"}})
def add_member(
    team_id: TeamId,
    username: Username,
    session: SessionDep,
    admin: CurrentAdmin,
    policies: PoliciesDep,
    response: Response,
) -> TeamPublic:
    """Adds an active agent to the team (201; 200 when they were a member already)."""
    team = _team_or_404(session, team_id)
    agent = active_agent_or_422(session, username)
    added = service.add_member(session=session, team=team, agent=agent, now=utcnow())
    response.status_code = HTTPStatus.CREATED if added else HTTPStatus.OK
    log.info("team member added team_id=%s agent=%s by=%s", team_id, agent.username, admin.actor)
    return team_public(team, policies, service.all_members(session=session).get(team_id, []))


@router.delete(
    "/{team_id}/members/{username}",
    responses={HTTPStatus.NOT_FOUND: {"description": "unknown team, or the agent is not a member"}},
)
def remove_member(
    team_id: TeamId, username: Username, session: SessionDep, admin: CurrentAdmin, policies: PoliciesDep
) -> TeamPublic:
    team = _team_or_404(session, team_id)
    agent = active_or_inactive_agent(session, username)
    if agent is None or not service.remove_member(session=session, team=team, agent=agent):
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="the agent is not a member of this team")
    log.info("team member removed team_id=%s agent=%s by=%s", team_id, agent.username, admin.actor)
    return team_public(team, policies, service.all_members(session=session).get(team_id, []))


def active_or_inactive_agent(session: SessionDep, username: str) -> Agent | None:
    # A deactivated agent can still be taken off a team.
    return accounts.get_agent_by_username(session=session, username=username)


def _team_or_404(session: SessionDep, team_id: int) -> Team:
    try:
        return service.get_team(session=session, team_id=team_id)
    except service.TeamNotFound:
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="unknown team") from None


def team_public(team: Team, policies: Mapping[str, PolicyProfile], members: list[Agent]) -> TeamPublic:
    """Names and categories from the profile; a team the profile dropped keeps its key as its name."""
    policy = policies.get(team.policy)
    profile = None if policy is None else next((t for t in policy.teams if t.id == team.key), None)
    assert team.id is not None
    return TeamPublic(
        id=team.id,
        policy=team.policy,
        key=team.key,
        names={str(k): v for k, v in profile.names.items()} if profile else {"en": team.key},
        categories=[] if policy is None else [c.id for c in policy.categories if c.team == team.key],
        handoff=policy is not None and policy.handoff_team == team.key,
        members=[AgentRef(username=m.username, display_name=m.display_name) for m in members],
    )
