"""Admins manage who is in which team; agents read; `members` and `handoff_team` for the
features that tell a team (alerts, the staff bot)."""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.app.accounts import service as accounts
from backend.app.accounts.models import AgentUpdate
from backend.app.complaints.models import Complaint
from backend.app.core.models import utcnow
from backend.app.teams import service as teams
from backend.app.teams.models import Team

Headers = dict[str, str]


def _team(client: TestClient, headers: Headers, policy: str, key: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        t for t in client.get("/api/teams", params={"policy": policy}, headers=headers).json() if t["key"] == key
    )
    return found


def test_every_profile_team_is_listed_with_names_and_categories(client: TestClient, agent_headers: Headers) -> None:
    listed = client.get("/api/teams", headers=agent_headers).json()
    assert {(t["policy"], t["key"]) for t in listed} >= {("poliser", "finance"), ("inverter_eu", "technical")}
    technical = _team(client, agent_headers, "inverter_eu", "technical")
    assert technical["names"]["ro"] == "Echipa tehnică" and set(technical["names"]) == {"ru", "az", "ro", "tr", "en"}
    assert (technical["categories"], technical["handoff"], technical["members"]) == (["product"], False, [])
    assert _team(client, agent_headers, "inverter_eu", "service")["handoff"] is True


def test_an_admin_adds_and_removes_members(
    client: TestClient, agent_headers: Headers, admin_headers: Headers, make_agent: Callable[..., Any]
) -> None:
    make_agent("emre")
    finance = _team(client, agent_headers, "poliser", "finance")["id"]
    added = client.put(f"/api/teams/{finance}/members/emre", headers=admin_headers)
    assert added.status_code == 201 and added.json()["members"] == [{"username": "emre", "display_name": "Emre"}]
    assert client.put(f"/api/teams/{finance}/members/emre", headers=admin_headers).status_code == 200
    assert [m["username"] for m in _team(client, agent_headers, "poliser", "finance")["members"]] == ["emre"]
    removed = client.delete(f"/api/teams/{finance}/members/emre", headers=admin_headers)
    assert removed.status_code == 200 and removed.json()["members"] == []
    assert client.delete(f"/api/teams/{finance}/members/emre", headers=admin_headers).status_code == 404


def test_only_admins_change_membership_and_bad_names_are_refused(
    client: TestClient,
    agent_headers: Headers,
    admin_headers: Headers,
    make_agent: Callable[..., Any],
    login: Callable[..., Headers],
) -> None:
    make_agent("boss", role="supervisor")
    make_agent("emre")
    make_agent("gone", active=False)
    finance = _team(client, agent_headers, "poliser", "finance")["id"]
    for headers in (agent_headers, login("boss"), login("emre")):
        assert client.put(f"/api/teams/{finance}/members/emre", headers=headers).status_code == 403
        assert client.delete(f"/api/teams/{finance}/members/emre", headers=headers).status_code == 403
    assert client.get("/api/teams").status_code == 401
    unknown = client.put(f"/api/teams/{finance}/members/nobody", headers=admin_headers)
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "username"]
    assert client.put(f"/api/teams/{finance}/members/gone", headers=admin_headers).status_code == 422
    assert client.put("/api/teams/999999/members/emre", headers=admin_headers).status_code == 404
    assert _team(client, agent_headers, "poliser", "finance")["members"] == []


def test_members_are_the_active_ones_and_handoff_team_is_the_profiles(
    client: TestClient,
    agent_headers: Headers,
    admin_headers: Headers,
    make_agent: Callable[..., Any],
    engine: sa.Engine,
) -> None:
    for name in ("zeynep", "ali"):
        make_agent(name)
    support = _team(client, agent_headers, "poliser", "customer_support")["id"]
    for name in ("zeynep", "ali"):
        assert client.put(f"/api/teams/{support}/members/{name}", headers=admin_headers).status_code == 201
    with Session(engine) as session:
        assert [a.username for a in teams.members(session, support)] == ["ali", "zeynep"]
        ali = accounts.get_agent_by_username(session=session, username="ali")
        assert ali is not None
        accounts.update_agent(session=session, agent=ali, agent_in=AgentUpdate(is_active=False), now=utcnow())
        assert [a.username for a in teams.members(session, support)] == ["zeynep"]
        found = teams.handoff_team(session, "poliser")
        assert found is not None and (found.id, found.key) == (support, "customer_support")
        assert teams.handoff_team(session, "acme") is None
    # A deactivated agent still shows in the admin's list, and can be taken off.
    assert [m["username"] for m in _team(client, agent_headers, "poliser", "customer_support")["members"]] == [
        "ali",
        "zeynep",
    ]
    assert client.delete(f"/api/teams/{support}/members/ali", headers=admin_headers).status_code == 200


def test_the_sync_keeps_a_dropped_team_while_complaints_are_in_its_queue(
    client: TestClient, register: Callable[..., dict[str, Any]], agent_headers: Headers, engine: sa.Engine, app: Any
) -> None:
    number = register("poliser", complaint_category="billing")["tracking_number"]
    finance = _team(client, agent_headers, "poliser", "finance")["id"]
    logistics = _team(client, agent_headers, "poliser", "logistics")["id"]
    poliser = app.state.policies["poliser"]
    without = poliser.model_copy(
        update={"teams": [t for t in poliser.teams if t.id not in ("finance", "logistics")]}
    )  # as if the profile no longer named them
    with Session(engine) as session:
        teams.sync_teams(session=session, policies={**app.state.policies, "poliser": without})
        assert session.get(Team, finance) is not None  # the billing complaint is in its queue
        assert session.get(Team, logistics) is None
        teams.sync_teams(session=session, policies=app.state.policies)
        recreated = session.exec(select(Team).where(Team.policy == "poliser", Team.key == "logistics")).one()
        assert recreated.created_at is not None
    assert client.get(f"/api/complaints/{number}", headers=agent_headers).json()["team_id"] == finance


def test_the_sync_puts_complaints_of_no_team_in_their_queue(
    client: TestClient, register: Callable[..., dict[str, Any]], agent_headers: Headers, engine: sa.Engine, app: Any
) -> None:
    """Complaints registered before the teams existed (team_id NULL after the migration)."""
    billing = register("poliser", complaint_category="billing")["tracking_number"]
    plain = register("eurolux")["tracking_number"]
    with Session(engine) as session:
        session.execute(sa.update(Complaint).values(team_id=None))
        session.commit()
        teams.sync_teams(session=session, policies=app.state.policies)
    found = {n: client.get(f"/api/complaints/{n}", headers=agent_headers).json()["team"] for n in (billing, plain)}
    assert found == {billing: "finance", plain: "customer_service"}
