"""The `team` filter of the complaint lists and their counts, as a dependency: a team's id
(its queue) or `mine` (the caller's teams' queues)."""

from typing import Annotated

from fastapi import Depends, Query

from backend.app.accounts.deps import CurrentAgent
from backend.app.core.deps import SessionDep
from backend.app.core.errors import invalid
from backend.app.teams import service


def team_queue(
    session: SessionDep,
    agent: CurrentAgent,
    team: Annotated[
        str | None, Query(max_length=12, description="a team's queue: its id (GET /api/teams), or `mine`")
    ] = None,
) -> tuple[int, ...] | None:
    """The team ids to filter on; None for no filter. `mine` of the built-in AGENT_TOKEN (no
    account, no team) is an empty queue."""
    if team is None:
        return None
    if team == "mine":
        if agent.account is None or agent.account.id is None:
            return ()
        return tuple(service.team_ids_of(session=session, agent_id=agent.account.id))
    if not team.isdigit():
        raise invalid("query", "team", "a team's id (GET /api/teams) or `mine`", team)
    try:
        return (service.get_team(session=session, team_id=int(team)).id or 0,)
    except service.TeamNotFound:
        raise invalid("query", "team", "no team has this id", team) from None


TeamQueue = Annotated[tuple[int, ...] | None, Depends(team_queue)]
