"""Who an alert reaches: the assignee, else the team; breaches also the supervisors (of the
complaint's team or of no team); never an inactive account; on a controlled clock."""

from collections.abc import Callable
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.backend.alerts.conftest import Timeline, received, states
from tests.backend.conftest import AGENT_TOKEN, SERVICE_TOKEN, VALID_COMPLAINTS

ISTANBUL = ZoneInfo("Europe/Istanbul")
AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


def _register(client: TestClient, policy: str = "poliser") -> str:
    response = client.post("/api/complaints", json={**VALID_COMPLAINTS[policy], "policy": policy}, headers=SERVICE)
    assert response.status_code == 201, response.text
    return str(response.json()["tracking_number"])


def test_unassigned_goes_to_the_team_breach_also_to_the_supervisors(
    nclient: TestClient,
    engine: sa.Engine,
    timeline: Callable[..., Timeline],
    make_agent: Callable[..., object],
    join: Callable[..., None],
) -> None:
    line = timeline(ISTANBUL, "02.02 10:00")
    ayse, sup_team, sup_other, sup_gone = (
        make_agent("ayse"),
        make_agent("sup.team", role="supervisor"),
        make_agent("sup.other", role="supervisor"),
        make_agent("sup.gone", role="supervisor", active=False),
    )
    make_agent("sup.free", role="supervisor")  # of no team: watches every deadline
    make_agent("root", role="admin")  # an admin of no team too
    make_agent("bora")  # in no team, not assigned: hears nothing
    join(ayse, "poliser", "customer_support")
    join(sup_team, "poliser", "customer_support")
    join(sup_other, "poliser", "technical")
    join(sup_gone, "poliser", "customer_support")
    _register(nclient)  # no category: the handoff team's queue (customer_support)
    line.at("04.02 09:00")
    assert received(engine) == [
        ("deadline_due_soon", "acknowledge_by", "ayse", "team"),
        ("deadline_due_soon", "acknowledge_by", "sup.team", "team"),
    ]
    line.at("05.02 10:00")
    assert received(engine)[2:] == [
        ("deadline_breached", "acknowledge_by", "ayse", "team"),
        ("deadline_breached", "acknowledge_by", "root", "supervisor"),
        ("deadline_breached", "acknowledge_by", "sup.free", "supervisor"),
        ("deadline_breached", "acknowledge_by", "sup.team", "team"),
    ]


def test_the_assignee_alone_hears_of_their_complaint(
    nclient: TestClient,
    engine: sa.Engine,
    timeline: Callable[..., Timeline],
    make_agent: Callable[..., object],
    join: Callable[..., None],
) -> None:
    line = timeline(ISTANBUL, "02.02 10:00")
    join(make_agent("ayse"), "poliser", "customer_support")
    make_agent("bora")
    make_agent("sup.free", role="supervisor")
    tn = _register(nclient)
    response = nclient.post(f"/api/complaints/{tn}/assign", json={"username": "bora"}, headers=AGENT)
    assert response.status_code == 200, response.text
    line.at("05.02 10:00")
    assert received(engine) == [
        ("deadline_due_soon", "acknowledge_by", "bora", "assignee"),
        ("deadline_breached", "acknowledge_by", "bora", "assignee"),
        ("deadline_breached", "acknowledge_by", "sup.free", "supervisor"),
    ]
    assert states(engine)[("deadline_breached", "acknowledge_by")] == "sent"
