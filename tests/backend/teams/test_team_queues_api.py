"""Per policy, a complaint of each category lands in its team's queue; an agent's change of
category moves it; `team=mine` is the caller's teams' queue."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend.app.policies.profile import load_policies

Headers = dict[str, str]
POLICIES = load_policies()
# Every (policy, category, team) of the bundled profiles.
ROUTES = [(p.id, c.id, c.team) for p in POLICIES.values() for c in p.categories]
# What the inverter's service complaints need besides the product example in conftest.
INVERTER_SERVICE = {"ticket_number": "#48213", "inverter_model": None}


def _team_ids(client: TestClient, headers: Headers, policy: str) -> dict[str, int]:
    response = client.get("/api/teams", params={"policy": policy}, headers=headers)
    assert response.status_code == 200, response.text
    return {team["key"]: team["id"] for team in response.json()}


def _queue(client: TestClient, headers: Headers, team: int | str) -> list[str]:
    response = client.get("/api/complaints", params={"team": team}, headers=headers)
    assert response.status_code == 200, response.text
    return [c["tracking_number"] for c in response.json()]


@pytest.mark.parametrize(("policy", "category", "team"), ROUTES, ids=[f"{p}-{c}" for p, c, _ in ROUTES])
def test_a_complaint_of_each_category_lands_in_its_teams_queue(
    client: TestClient,
    register: Callable[..., dict[str, Any]],
    agent_headers: Headers,
    policy: str,
    category: str,
    team: str,
) -> None:
    extra = INVERTER_SERVICE if (policy, category) == ("inverter_eu", "service") else {}
    number = register(policy, complaint_category=category, **extra)["tracking_number"]
    teams = _team_ids(client, agent_headers, policy)
    assert _queue(client, agent_headers, teams[team]) == [number]
    for other, other_id in teams.items():
        if other != team:
            assert number not in _queue(client, agent_headers, other_id)
    detail = client.get(f"/api/complaints/{number}", headers=agent_headers).json()
    assert (detail["complaint_category"], detail["team"], detail["team_id"]) == (category, team, teams[team])


@pytest.mark.parametrize("policy", ["eurolux", "kontakt", "music_gallery", "poliser"])
def test_without_a_category_the_handoff_team_gets_it(
    client: TestClient, register: Callable[..., dict[str, Any]], agent_headers: Headers, policy: str
) -> None:
    number = register(policy)["tracking_number"]
    teams = _team_ids(client, agent_headers, policy)
    assert _queue(client, agent_headers, teams[POLICIES[policy].handoff_team]) == [number]


@pytest.mark.parametrize(
    ("policy", "category"), [("poliser", "online_order"), ("eurolux", "billing"), ("inverter_eu", "delivery")]
)
def test_a_category_of_another_policy_is_refused(
    client: TestClient, payload: Callable[..., dict[str, Any]], service_headers: Headers, policy: str, category: str
) -> None:
    response = client.post(
        "/api/complaints", json=payload(policy, complaint_category=category), headers=service_headers
    )
    assert response.status_code == 422
    error = next(e for e in response.json()["detail"] if e["loc"][-1] == "complaint_category")
    assert "not a category of policy" in error["msg"] and category in str(error["input"])


@pytest.mark.parametrize(
    ("policy", "before", "after"),
    [
        ("poliser", "product_quality", "billing"),
        ("eurolux", "store", "delivery"),
        ("kontakt", "online_order", "product"),
        ("music_gallery", "product", "staff"),
        ("inverter_eu", "product", "service"),
    ],
)
def test_an_agents_change_of_category_moves_it(
    client: TestClient,
    register: Callable[..., dict[str, Any]],
    agent_headers: Headers,
    policy: str,
    before: str,
    after: str,
) -> None:
    number = register(policy, complaint_category=before)["tracking_number"]
    teams = _team_ids(client, agent_headers, policy)
    old, new = teams[POLICIES[policy].team_key_for(before)], teams[POLICIES[policy].team_key_for(after)]
    assert old != new
    assert (_queue(client, agent_headers, old), _queue(client, agent_headers, new)) == ([number], [])

    response = client.post(f"/api/complaints/{number}/category", json={"category": after}, headers=agent_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["complaint_category"], body["team_id"]) == (after, new)
    assert (_queue(client, agent_headers, old), _queue(client, agent_headers, new)) == ([], [number])
    entry = body["history"][-1]
    assert (entry["kind"], entry["actor"], entry["visible_to_customer"]) == ("category", "agent", False)
    assert before in entry["note"] and after in entry["note"]


def test_a_change_to_a_category_of_another_policy_is_refused_and_changes_nothing(
    client: TestClient, register: Callable[..., dict[str, Any]], agent_headers: Headers, service_headers: Headers
) -> None:
    number = register("poliser", complaint_category="delivery")["tracking_number"]
    for body, status in (({"category": "online_order"}, 422), ({"category": ""}, 422), ({}, 422)):
        response = client.post(f"/api/complaints/{number}/category", json=body, headers=agent_headers)
        assert response.status_code == status, response.text
        assert response.json()["detail"][0]["loc"][:2] == ["body", "category"]
    assert (
        client.post(
            "/api/complaints/ZZZZ-ZZZZ/category", json={"category": "billing"}, headers=agent_headers
        ).status_code
        == 404
    )
    forbidden = client.post(f"/api/complaints/{number}/category", json={"category": "billing"}, headers=service_headers)
    assert forbidden.status_code == 403
    detail = client.get(f"/api/complaints/{number}", headers=agent_headers).json()
    assert (detail["complaint_category"], detail["team"]) == ("delivery", "logistics")
    assert [entry["kind"] for entry in detail["history"]] == ["status"]


def test_team_mine_is_the_callers_teams_queue(
    client: TestClient,
    register: Callable[..., dict[str, Any]],
    agent_headers: Headers,
    admin_headers: Headers,
    make_agent: Callable[..., Any],
    login: Callable[..., Headers],
) -> None:
    make_agent("selin")
    selin = login("selin")
    billing = register("poliser", complaint_category="billing")["tracking_number"]
    register("poliser", complaint_category="delivery")
    assert _queue(client, selin, "mine") == []
    finance = _team_ids(client, agent_headers, "poliser")["finance"]
    assert client.put(f"/api/teams/{finance}/members/selin", headers=admin_headers).status_code == 201
    assert _queue(client, selin, "mine") == [billing]
    # The views' counts beside the list follow the same filter.
    counts = client.get("/api/workspace/counts", params={"team": "mine"}, headers=selin).json()
    assert (counts["all"], counts["unassigned"]) == (1, 1)
    assert client.get("/api/workspace/counts", params={"team": finance}, headers=agent_headers).json()["all"] == 1
    assert _queue(client, agent_headers, "mine") == []  # the built-in token belongs to no team
    for bad in ("999999", "finance"):
        response = client.get("/api/complaints", params={"team": bad}, headers=agent_headers)
        assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["query", "team"]
