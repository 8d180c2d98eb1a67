"""The workspace's JSON routes beside the console page (workspace/views.py): the counts of
its views."""

from typing import Annotated

from fastapi import APIRouter, Query

from backend.app.accounts.deps import CurrentAgent
from backend.app.complaints.filters import ComplaintFilter
from backend.app.core.deps import SessionDep
from backend.app.core.models import utcnow
from backend.app.core.settings import PolicyId
from backend.app.policies.deps import PoliciesDep
from backend.app.teams.deps import TeamQueue
from backend.app.workspace.counts import WorkspaceCounts, workspace_counts
from contract.statuses import Channel, ComplaintStatus, Language

router = APIRouter(prefix="/api/workspace", tags=["workspace"])


@router.get("/counts")
def counts(
    session: SessionDep,
    agent: CurrentAgent,
    policies: PoliciesDep,
    q: Annotated[str | None, Query(max_length=200, description="text in number, name, contacts, text")] = None,
    policy: PolicyId | None = None,
    status: ComplaintStatus | None = None,
    channel: Channel | None = None,
    language: Language | None = None,
    team_ids: TeamQueue = None,
) -> WorkspaceCounts:
    """How many complaints each view of GET /api/complaints?view= holds under these filters;
    `waiting`: the handoffs waiting for an agent."""
    wanted = ComplaintFilter(
        q=q.strip() if q and q.strip() else None,
        policy=policy,
        status=status,
        channel=channel,
        language=language,
        team_ids=team_ids,
        assignee_id=None if agent.account is None else agent.account.id,
    )
    return workspace_counts(session=session, wanted=wanted, policies=policies, now=utcnow())
