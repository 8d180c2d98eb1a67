"""Who hears of an alert, decided when it is sent (the assignee or the team may have changed
since it was planned):
- the people it concerns: the complaint's assignee; without one, the members of the
  complaint's team (a conversation without a complaint: the policy's handoff team); a handoff an
  agent has taken: that agent. So an unassigned complaint's due-soon alert is offered to the
  whole team;
- for a breach and a dispute also the supervisors: active agents with the role supervisor or
  admin who are members of the complaint's team, or of no team at all (a supervisor of no team
  watches every deadline; one in teams watches theirs).
Only active accounts; a person appears once (the first reason wins)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from backend.app.accounts.models import Agent, AgentRole
from backend.app.alerts.models import SUPERVISED, Alert, AlertKind
from backend.app.complaints.models import Complaint
from backend.app.handoff.models import Handoff, HandoffStatus
from backend.app.policies.profile import PolicyProfile
from backend.app.teams import service as teams
from backend.app.teams.models import TeamMember

SUPERVISOR_ROLES = (AgentRole.supervisor.value, AgentRole.admin.value)


def team_of(session: Session, complaint: Complaint | None, policy: PolicyProfile) -> int | None:
    if complaint is not None and complaint.team_id is not None:
        return complaint.team_id
    team = teams.handoff_team(session, policy.id, {policy.id: policy})
    return None if team is None else team.id


def supervisors(session: Session, team_id: int | None) -> list[Agent]:
    in_some_team = select(TeamMember.agent_id)
    of_team = select(TeamMember.agent_id).where(TeamMember.team_id == team_id)
    return list(
        session.exec(
            select(Agent)
            .where(
                col(Agent.is_active).is_(True),
                col(Agent.role).in_(SUPERVISOR_ROLES),
                sa.or_(col(Agent.id).in_(of_team), col(Agent.id).not_in(in_some_team)),
            )
            .order_by(col(Agent.username))
        ).all()
    )


def recipients(
    session: Session, alert: Alert, complaint: Complaint | None, handoff: Handoff | None, policy: PolicyProfile
) -> list[tuple[Agent, str]]:
    """[(agent, reason)]: reason is assignee, team or supervisor."""
    found: dict[int, tuple[Agent, str]] = {}

    def add(agent: Agent | None, reason: str) -> None:
        if agent is not None and agent.is_active and agent.id is not None and agent.id not in found:
            found[agent.id] = (agent, reason)

    holder = None
    if handoff is not None and handoff.status == HandoffStatus.active and handoff.agent_username:
        holder = session.exec(select(Agent).where(Agent.username == handoff.agent_username)).first()
    assignee = session.get(Agent, complaint.assigned_to_id) if complaint and complaint.assigned_to_id else None
    team_id = team_of(session, complaint, policy)
    if assignee is not None and assignee.is_active:
        add(assignee, "assignee")
    elif holder is not None and holder.is_active:
        add(holder, "assignee")
    elif team_id is not None:
        for member in teams.members(session, team_id):
            add(member, "team")
    if AlertKind(alert.kind) in SUPERVISED:
        for supervisor in supervisors(session, team_id):
            add(supervisor, "supervisor")
    return list(found.values())
