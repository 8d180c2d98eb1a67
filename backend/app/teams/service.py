"""Teams' data functions: the rows synced from the policy profiles, membership, the team of a
category, and the queue a complaint is in. Other features (alerts, the staff bot) call
`members` and `handoff_team`; nothing here commits unless the function says so."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from functools import cache

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.app.accounts.models import Agent
from backend.app.complaints.models import Complaint
from backend.app.core.models import utcnow
from backend.app.policies.profile import PolicyProfile, load_policies
from backend.app.teams.models import Team, TeamMember

log = logging.getLogger(__name__)


class TeamNotFound(LookupError):
    pass


# --- the rows of the profiles' teams -------------------------------------------------------------


def sync_teams(*, session: Session, policies: Mapping[str, PolicyProfile], now: dt.datetime | None = None) -> None:
    """Creates a row for each profile's team that has none; drops rows of teams a profile no
    longer names, unless a complaint is still in their queue (then they stay, with their key);
    puts complaints of no team in their team's queue. Commits; safe to run by several replicas
    at once (the unique (policy, key) decides)."""
    wanted = {(policy.id, team.id) for policy in policies.values() for team in policy.teams}
    existing = ensure_teams(session=session, policies=policies, now=now)
    for (policy_id, key), team in existing.items():
        if (policy_id, key) in wanted:
            continue
        in_use = session.exec(select(sa.func.count()).select_from(Complaint).where(Complaint.team_id == team.id)).one()
        if in_use:
            log.warning("team %s/%s left the profile but still has %d complaint(s): kept", policy_id, key, in_use)
        else:
            session.delete(team)
    _route_unrouted(session, policies, existing)
    session.commit()


def _route_unrouted(
    session: Session, policies: Mapping[str, PolicyProfile], teams: Mapping[tuple[str, str], Team]
) -> None:
    """Complaints in no team's queue (registered before teams existed) go to their category's
    team, else to the policy's handoff team: none is left outside every queue."""
    unrouted = col(Complaint.team_id).is_(None)
    for policy in policies.values():
        for category in policy.categories:
            session.execute(
                sa.update(Complaint)
                .where(unrouted, col(Complaint.policy) == policy.id, col(Complaint.complaint_category) == category.id)
                .values(team_id=teams[(policy.id, category.team)].id)
            )
        session.execute(
            sa.update(Complaint)
            .where(unrouted, col(Complaint.policy) == policy.id)
            .values(team_id=teams[(policy.id, policy.handoff_team)].id)
        )


def ensure_teams(
    *, session: Session, policies: Mapping[str, PolicyProfile], now: dt.datetime | None = None
) -> dict[tuple[str, str], Team]:
    """Every team row by (policy, key), after creating those the profiles name and lack."""
    existing = {(team.policy, team.key): team for team in session.exec(select(Team)).all()}
    for policy in policies.values():
        for team in policy.teams:
            if (policy.id, team.id) not in existing:
                existing[(policy.id, team.id)] = _create(session, policy.id, team.id, now or utcnow())
    return existing


def _create(session: Session, policy_id: str, key: str, now: dt.datetime) -> Team:
    """The team's row, created unless another process just did (a savepoint keeps the
    caller's transaction)."""
    try:
        with session.begin_nested():
            team = Team(policy=policy_id, key=key, created_at=now)
            session.add(team)
    except IntegrityError:
        found = _by_key(session, policy_id, key)
        assert found is not None  # the other process's row
        return found
    return team


def _by_key(session: Session, policy_id: str, key: str) -> Team | None:
    return session.exec(select(Team).where(Team.policy == policy_id, Team.key == key)).first()


def team_by_key(*, session: Session, policy: PolicyProfile, key: str) -> Team:
    """The row of a team of the profile (created if the start-up sync has not, e.g. after a
    profile changed under a running process)."""
    return _by_key(session, policy.id, key) or _create(session, policy.id, key, utcnow())


def team_for(*, session: Session, policy: PolicyProfile, category: str | None) -> Team:
    """The team that gets a complaint of this category (the handoff team without one)."""
    return team_by_key(session=session, policy=policy, key=policy.team_key_for(category))


def handoff_team(session: Session, policy_id: str, policies: Mapping[str, PolicyProfile] | None = None) -> Team | None:
    """The team that answers the policy's conversations without a complaint yet; None for a
    policy without a profile. `policies` defaults to the bundled profiles."""
    profiles = policies if policies is not None else _bundled()
    policy = profiles.get(policy_id)
    if policy is None:
        return None
    return team_by_key(session=session, policy=policy, key=policy.handoff_team)


@cache
def _bundled() -> Mapping[str, PolicyProfile]:
    return load_policies()  # the same files the app loads (POLICY_DIR)


# --- members -------------------------------------------------------------------------------------


def get_team(*, session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise TeamNotFound(team_id)
    return team


def members(session: Session, team_id: int) -> list[Agent]:
    """The team's active agents, by username."""
    statement = (
        select(Agent)
        .join(TeamMember, col(TeamMember.agent_id) == col(Agent.id))
        .where(TeamMember.team_id == team_id, col(Agent.is_active).is_(True))
        .order_by(col(Agent.username))
    )
    return list(session.exec(statement).all())


def all_members(*, session: Session) -> dict[int, list[Agent]]:
    """Every team's members, inactive ones included (the admin's list shows them)."""
    rows = session.exec(
        select(TeamMember.team_id, Agent)
        .join(Agent, col(Agent.id) == col(TeamMember.agent_id))
        .order_by(col(Agent.username))
    ).all()
    found: dict[int, list[Agent]] = {}
    for team_id, agent in rows:
        found.setdefault(team_id, []).append(agent)
    return found


def list_teams(*, session: Session) -> list[Team]:
    return list(session.exec(select(Team).order_by(col(Team.policy), col(Team.key))).all())


def team_ids_of(*, session: Session, agent_id: int) -> list[int]:
    """The teams an agent belongs to (the queue `team=mine`)."""
    return list(session.exec(select(TeamMember.team_id).where(TeamMember.agent_id == agent_id)).all())


def add_member(*, session: Session, team: Team, agent: Agent, now: dt.datetime) -> bool:
    """Adds the agent to the team; False when they were a member already. Commits."""
    assert team.id is not None and agent.id is not None
    if session.get(TeamMember, (team.id, agent.id)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(TeamMember(team_id=team.id, agent_id=agent.id, added_at=now))
    except IntegrityError:  # added by a concurrent request
        return False
    session.commit()
    return True


def remove_member(*, session: Session, team: Team, agent: Agent) -> bool:
    """Takes the agent off the team; False when they were not a member. Commits."""
    member = session.get(TeamMember, (team.id, agent.id))
    if member is None:
        return False
    session.delete(member)
    session.commit()
    return True


# --- a complaint's queue ---------------------------------------------------------------------------


def route(*, session: Session, complaint: Complaint, policy: PolicyProfile) -> Team:
    """Puts the complaint in the queue of its category's team; the caller commits."""
    team = team_for(session=session, policy=policy, category=complaint.complaint_category)
    complaint.team_id = team.id
    return team
