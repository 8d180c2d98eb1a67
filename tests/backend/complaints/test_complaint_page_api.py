"""The complaint page's data (GET /api/complaints/{tn}) and the written decision
(POST .../status): deadline states, earlier complaints, conversations, outcome and steps."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.app.complaints.deadline_states import deadline_states
from backend.app.complaints.models import Complaint, DeadlineKind, DeadlineState
from backend.app.notifications.models import Notification
from backend.app.notifications.texts import context_for, load_texts, template_for
from backend.app.policies.profile import load_policies
from contract.statuses import Language

Register = Callable[..., dict[str, Any]]
Headers = dict[str, str]


def _status(client: TestClient, tn: str, headers: Headers, **body: Any) -> Any:
    return client.post(f"/api/complaints/{tn}/status", json=body, headers=headers)


# --- the written decision ----------------------------------------------------------------------


def test_resolving_needs_a_written_decision_and_the_422_names_the_field(
    client: TestClient, register: Register, agent_headers: Headers
) -> None:
    tn = register("eurolux")["tracking_number"]
    for body in ({"status": "resolved"}, {"status": "resolved", "note": "   "}):
        refused = _status(client, tn, agent_headers, **body)
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["detail"]
        assert error["loc"] == ["body", "note"] and error["type"] == "decision_required"
        assert "note" in error["msg"] and "decision" in error["msg"]
    # Outcome and steps belong to a decision only.
    wrong = _status(client, tn, agent_headers, status="acknowledged", outcome="impossible")
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "outcome"]
    record = client.get(f"/api/complaints/{tn}", headers=agent_headers).json()
    assert record["status"] == "registered" and len(record["history"]) == 1
    assert record["outcome"] is None and record["steps_taken"] is None


def test_decision_with_steps_taken_is_kept_and_sent_with_them(
    client: TestClient, register: Register, agent_headers: Headers, engine: sa.Engine
) -> None:
    tn = register("kontakt")["tracking_number"]  # a Russian-speaking customer
    answer = _status(
        client,
        tn,
        agent_headers,
        status="resolved",
        note="Заменим стиральную машину новой.",
        steps_taken="Проверили машину на складе; согласовали замену с поставщиком.",
    )
    assert answer.status_code == 200, answer.text
    record = answer.json()
    assert record["outcome"] == "resolved"
    assert record["steps_taken"] == "Проверили машину на складе; согласовали замену с поставщиком."
    assert record["history"][-1]["outcome"] == "resolved"
    text = _customer_text(engine, tn, "decision")
    assert (
        text.index("Заменим стиральную машину новой.")
        < text.index("Что мы сделали:")
        < text.index("Проверили машину на складе")
    )


def test_impossible_outcome_has_its_own_lead_and_the_same_approval_loop(
    client: TestClient, register: Register, agent_headers: Headers, service_headers: Headers, engine: sa.Engine
) -> None:
    tn = register("inverter_eu")["tracking_number"]
    explanation = "Modelul nu mai este fabricat, iar piesa de schimb nu mai există în Uniunea Europeană."
    answer = _status(client, tn, agent_headers, status="resolved", note=explanation, outcome="impossible")
    assert answer.status_code == 200, answer.text
    record = answer.json()
    assert record["status"] == "resolved" and record["outcome"] == "impossible"
    assert record["history"][-1] == {**record["history"][-1], "outcome": "impossible", "note": explanation}
    text = _customer_text(engine, tn, "decision")
    assert text.startswith("Din păcate, reclamația") and "nu poate fi soluționată" in text and explanation in text
    # The customer rejects it as any decision: a re-review starts.
    rejected = client.post(
        f"/api/complaints/{tn}/customer-decision",
        json={"approved": False, "reason": "Vreau banii înapoi."},
        headers=agent_headers,
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "reopened"


def _customer_text(engine: sa.Engine, tn: str, kind: str) -> str:
    """The text of the complaint's customer notification of `kind`, as the dispatcher writes it."""
    policies = load_policies()
    with Session(engine) as session:
        complaint = session.exec(select(Complaint).where(Complaint.tracking_number == tn)).one()
        row = next(row for row in complaint.notifications if row.kind == kind and row.audience == "customer")
        assert isinstance(row, Notification)
        language = Language(complaint.language)
        context = context_for(row, complaint, policies[complaint.policy], language)
        return load_texts().render(template_for(row), language, context).text


# --- deadlines, earlier complaints, conversations ------------------------------------------------


def test_deadline_states_count_working_days(client: TestClient, register: Register, agent_headers: Headers) -> None:
    tn = register("eurolux")["tracking_number"]  # acknowledge within 3 working days
    record = client.get(f"/api/complaints/{tn}", headers=agent_headers).json()
    states = {state["kind"]: state for state in record["deadline_states"]}
    assert set(states) == {"acknowledge", "investigate", "resolve"}
    assert states["acknowledge"] == {
        "kind": "acknowledge",
        "due_at": record["deadlines"]["acknowledge_by"],
        "working_days_left": 3,
        "state": "open",
    }
    acknowledged = _status(client, tn, agent_headers, status="acknowledged").json()
    states = {state["kind"]: state for state in acknowledged["deadline_states"]}
    assert states["acknowledge"]["state"] == "met" and states["acknowledge"]["working_days_left"] == 3


def test_deadline_states_soon_breached_met() -> None:
    """Baku, Tuesday 2025-02-04 10:00 (no public holiday that week)."""
    policy = load_policies()["eurolux"]
    tz = policy.tz

    def end_of(day: int) -> dt.datetime:
        return dt.datetime(2025, 2, day, 23, 59, 59, tzinfo=tz)

    now = dt.datetime(2025, 2, 4, 10, 0, tzinfo=tz)
    complaint = Complaint(
        acknowledge_by=end_of(5),  # tomorrow: soon
        investigate_by=end_of(3),  # yesterday: breached
        resolve_by=end_of(10),  # Monday: 4 working days (5, 6, 7, 10)
        status="registered",
        received_at=now,
        created_at=now,
        updated_at=now,
    )
    states = {state.kind: state for state in deadline_states(complaint, policy, now=now)}
    assert (states[DeadlineKind.acknowledge].state, states[DeadlineKind.acknowledge].working_days_left) == (
        DeadlineState.soon,
        1,
    )
    assert (states[DeadlineKind.investigate].state, states[DeadlineKind.investigate].working_days_left) == (
        DeadlineState.breached,
        -1,
    )
    assert (states[DeadlineKind.resolve].state, states[DeadlineKind.resolve].working_days_left) == (
        DeadlineState.open,
        4,
    )
    # Acknowledged on Monday the 3rd: met, two working days early; late on Thursday: breached.
    complaint.acknowledged_at = dt.datetime(2025, 2, 3, 12, 0, tzinfo=tz)
    state = next(s for s in deadline_states(complaint, policy, now=now) if s.kind is DeadlineKind.acknowledge)
    assert (state.state, state.working_days_left) == (DeadlineState.met, 2)
    complaint.acknowledged_at = dt.datetime(2025, 2, 6, 12, 0, tzinfo=tz)
    state = next(s for s in deadline_states(complaint, policy, now=now) if s.kind is DeadlineKind.acknowledge)
    assert (state.state, state.working_days_left) == (DeadlineState.breached, -1)


def test_a_late_complaint_shows_its_deadlines_breached(
    client: TestClient, payload: Callable[..., dict[str, Any]], agent_headers: Headers
) -> None:
    received = (dt.datetime.now(dt.UTC) - dt.timedelta(days=40)).isoformat()
    answer = client.post(
        "/api/complaints", json=payload("eurolux", channel="phone", received_at=received), headers=agent_headers
    )
    assert answer.status_code == 201, answer.text
    record = client.get(f"/api/complaints/{answer.json()['tracking_number']}", headers=agent_headers).json()
    assert all(state["state"] == "breached" for state in record["deadline_states"])
    assert all(state["working_days_left"] <= -15 for state in record["deadline_states"])
    assert record["conversations"] == []


def test_earlier_complaints_of_the_same_phone_or_email(
    client: TestClient, register: Register, agent_headers: Headers
) -> None:
    first = register("eurolux", conversation_id="wc:first")["tracking_number"]
    by_email = register("kontakt", email="shared@example.com", phone="050 123 45 67")["tracking_number"]
    register("eurolux", phone="055 999 88 77")  # another customer
    current = register("eurolux", email="shared@example.com", conversation_id="wc:current")["tracking_number"]
    record = client.get(f"/api/complaints/{current}", headers=agent_headers).json()
    assert [item["tracking_number"] for item in record["earlier_complaints"]] == [by_email, first]
    assert record["earlier_complaints"][0]["policy"] == "kontakt"
    assert record["earlier_complaints"][0]["status"] == "registered"
    assert record["conversations"] == ["wc:current"]
    first_record = client.get(f"/api/complaints/{first}", headers=agent_headers).json()
    assert current in [item["tracking_number"] for item in first_record["earlier_complaints"]]
    assert first not in [item["tracking_number"] for item in first_record["earlier_complaints"]]
