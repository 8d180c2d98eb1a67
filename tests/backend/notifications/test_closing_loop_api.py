"""The closing loop's backend half: the decision to the conversation at once, the customer's
approval or rejections, the rating, the status look-up in the customer's language."""

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.app.alerts.models import Alert
from backend.app.core.settings import Settings
from backend.app.main import create_app
from tests.backend.conftest import AGENT_TOKEN, SERVICE_TOKEN, VALID_COMPLAINTS
from tests.backend.notifications.conftest import sender_settings
from tests.support.loopback import LoopbackServer, SmtpSink

AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


@pytest.fixture
def resolved(nclient: TestClient, loopback: LoopbackServer) -> Callable[..., dict[str, Any]]:
    """resolved(policy, note): a complaint registered in a chat and resolved with `note`."""

    def _resolved(
        policy: str = "poliser", note: str = "Eksik ürün yarın gönderilecek.", **overrides: Any
    ) -> dict[str, Any]:
        loopback.conversation("conv-1", channel="rest")
        body = {**VALID_COMPLAINTS[policy], "policy": policy, "conversation_id": "conv-1", **overrides}
        registered = nclient.post("/api/complaints", json=body, headers=SERVICE)
        assert registered.status_code == 201, registered.text
        tn = registered.json()["tracking_number"]
        changed = nclient.post(f"/api/complaints/{tn}/status", json={"status": "resolved", "note": note}, headers=AGENT)
        assert changed.status_code == 200, changed.text
        return {"tn": tn, "pin": registered.json()["pin"]}

    return _resolved


def _decide(client: TestClient, tn: str, headers: dict[str, str] = SERVICE, **body: Any) -> Any:
    return client.post(f"/api/complaints/{tn}/customer-decision", json=body, headers=headers)


def _record(client: TestClient, tn: str) -> dict[str, Any]:
    return dict(client.get(f"/api/complaints/{tn}", headers=AGENT).json())


def test_approve_closes_and_the_rating_is_stored(nclient: TestClient, resolved: Callable[..., dict[str, Any]]) -> None:
    tn = resolved()["tn"]
    answer = _decide(nclient, tn, approved=True, reason=None, language="tr", conversation_id="conv-1")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "closed" and body["rejections"] == 0
    assert "Tüketici" in body["external_remedies"] or "tüketici" in body["external_remedies"]
    record = _record(nclient, tn)
    assert record["status"] == "closed"
    last = record["history"][-1]
    assert (last["kind"], last["status"], last["actor"]) == ("status", "closed", "customer")

    rated = nclient.post(
        f"/api/complaints/{tn}/rating", json={"rating": 4, "conversation_id": "conv-1"}, headers=SERVICE
    )
    assert rated.status_code == 200 and rated.json() == {"tracking_number": tn, "rating": 4}
    record = _record(nclient, tn)
    assert record["rating"] == 4
    assert (record["history"][-1]["kind"], record["history"][-1]["actor"]) == ("rating", "customer")
    listed = nclient.get("/api/complaints", headers=AGENT).json()
    assert listed[0]["rating"] == 4


def _alerts(client: TestClient) -> list[str]:
    """The kinds of the complaint's event alerts (not the deadlines')."""
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        kinds = session.exec(select(Alert.kind).where(Alert.deadline == None)).all()  # noqa: E711
    return sorted(kinds)


def test_reject_reopens_then_a_second_rejection_disputes(
    nclient: TestClient, resolved: Callable[..., dict[str, Any]]
) -> None:
    tn = resolved()["tn"]
    first = _decide(nclient, tn, approved=False, reason="Fatura da yanlış", language="tr", conversation_id="conv-1")
    assert first.status_code == 200
    assert first.json()["status"] == "reopened" and first.json()["rejections"] == 1
    record = _record(nclient, tn)
    assert record["history"][-1]["status"] == "reopened" and record["history"][-1]["actor"] == "customer"
    assert "Fatura da yanlış" in record["history"][-1]["note"]
    assert record["history"][-1]["visible_to_customer"] is False
    # The people concerned hear of it (an alert: backend/app/alerts).
    assert _alerts(nclient) == ["rejection"]

    assert _decide(nclient, tn, approved=False, reason="again", conversation_id="conv-1").status_code == 409
    again = nclient.post(
        f"/api/complaints/{tn}/status", json={"status": "resolved", "note": "Tam iade."}, headers=AGENT
    )
    assert again.status_code == 200
    second = _decide(nclient, tn, approved=False, reason="Kabul etmiyorum", language="ru", conversation_id="conv-1")
    assert second.status_code == 200
    body = second.json()
    assert body["status"] == "disputed" and body["rejections"] == 2
    assert "Tüketici Hakem Heyeti" in body["external_remedies"] and "потребительск" in body["external_remedies"]  # ru
    record = _record(nclient, tn)
    assert [e["status"] for e in record["history"] if e["actor"] == "customer"] == ["reopened", "disputed"]
    assert _alerts(nclient) == ["dispute", "rejection"]  # the dispute alert reaches the supervisors too
    assert record["rejections"] == 2


def test_conflicts_and_validation(nclient: TestClient, resolved: Callable[..., dict[str, Any]]) -> None:
    body = {**VALID_COMPLAINTS["eurolux"], "policy": "eurolux"}
    registered = nclient.post("/api/complaints", json=body, headers=SERVICE).json()["tracking_number"]
    assert _decide(nclient, registered, headers=AGENT, approved=True).status_code == 409
    assert nclient.post(f"/api/complaints/{registered}/rating", json={"rating": 5}, headers=AGENT).status_code == 409
    assert _decide(nclient, "ZZZZ-ZZZZ", approved=True).status_code == 404
    assert _decide(nclient, "ZZZZ-ZZZZ", headers=AGENT, approved=True).status_code == 404
    assert _decide(nclient, "nope", approved=True).status_code == 422
    assert nclient.post(f"/api/complaints/{registered}/customer-decision", json={"approved": True}).status_code == 401
    assert _decide(nclient, registered, approved="maybe").status_code == 422
    assert _decide(nclient, registered, approved=True, language="en").status_code == 422

    tn = resolved()["tn"]
    assert _decide(nclient, tn, approved=True, conversation_id="conv-1").status_code == 200
    assert _decide(nclient, tn, approved=True, conversation_id="conv-1").status_code == 409  # already closed
    assert _decide(nclient, tn, approved=True, conversation_id="conv-1", pin="12ab").status_code == 422
    mine = {"conversation_id": "conv-1"}
    for bad in (0, 6, -1, 3.5, "five", None):
        response = nclient.post(f"/api/complaints/{tn}/rating", json={"rating": bad, **mine}, headers=SERVICE)
        assert response.status_code == 422, bad
    assert nclient.post(f"/api/complaints/{tn}/rating", json=mine, headers=SERVICE).status_code == 422
    for good in (1, 5):
        rated = nclient.post(f"/api/complaints/{tn}/rating", json={"rating": good, **mine}, headers=SERVICE)
        assert rated.status_code == 200
    assert _record(nclient, tn)["rating"] == 5


def test_an_agent_records_a_phoned_answer_and_only_a_pin_moves_the_conversation(
    nclient: TestClient, resolved: Callable[..., dict[str, Any]]
) -> None:
    tn = resolved()["tn"]
    answer = _decide(nclient, tn, headers=AGENT, approved=False, reason="  ", conversation_id="conv-2")
    assert answer.status_code == 200
    record = _record(nclient, tn)
    assert record["conversation_id"] == "conv-1"  # a conversation id alone moves nothing
    assert record["history"][-1]["actor"] == "customer"
    assert (
        record["history"][-1]["note"] == "the customer rejected the decision (1) (recorded by agent): no reason given"
    )


def test_the_customer_answers_from_a_new_conversation_with_the_pin(
    nclient: TestClient, resolved: Callable[..., dict[str, Any]]
) -> None:
    case = resolved()
    tn, pin = case["tn"], case["pin"]
    answer = _decide(nclient, tn, approved=True, conversation_id="conv-2", pin=pin)
    assert answer.status_code == 200, answer.text
    assert _record(nclient, tn)["conversation_id"] == "conv-2"  # later notifications go there
    rated = nclient.post(
        f"/api/complaints/{tn}/rating", json={"rating": 5, "conversation_id": "conv-2"}, headers=SERVICE
    )
    assert rated.status_code == 200


def test_status_lookup_in_the_requested_language(nclient: TestClient) -> None:
    body = {**VALID_COMPLAINTS["poliser"], "policy": "poliser"}
    registered = nclient.post("/api/complaints", json=body, headers=SERVICE).json()
    lookup = {"tracking_number": registered["tracking_number"], "pin": registered["pin"]}
    assert nclient.post("/api/status-lookup", json=lookup).json()["status_label"] == "Kaydedildi"
    assert (
        nclient.post("/api/status-lookup", json={**lookup, "language": "ru"}).json()["status_label"]
        == "Зарегистрирована"
    )
    assert (
        nclient.post("/api/status-lookup", json={**lookup, "language": "az"}).json()["status_label"] == "Qeydə alınıb"
    )
    assert nclient.post("/api/status-lookup", json={**lookup, "language": "xx"}).status_code == 422


def test_a_delay_notice_is_what_the_lookup_shows(nclient: TestClient) -> None:
    body = {**VALID_COMPLAINTS["poliser"], "policy": "poliser"}
    registered = nclient.post("/api/complaints", json=body, headers=SERVICE).json()
    tn = registered["tracking_number"]
    resolve_by = registered["deadlines"]["resolve_by"][:10]
    too_early = nclient.post(
        f"/api/complaints/{tn}/delay", json={"reason": "Parça bekleniyor", "new_date": resolve_by}, headers=AGENT
    )
    assert too_early.status_code == 409
    year, month, day = (int(part) for part in resolve_by.split("-"))
    new_date = f"{year + 1}-{month:02d}-{min(day, 28):02d}"
    delayed = nclient.post(
        f"/api/complaints/{tn}/delay", json={"reason": "Parça bekleniyor", "new_date": new_date}, headers=AGENT
    )
    assert delayed.status_code == 200, delayed.text
    assert delayed.json()["delayed_to"].startswith(new_date)
    status = nclient.post("/api/status-lookup", json={"tracking_number": tn, "pin": registered["pin"]}).json()
    assert status["last_note"]["text"] == "Parça bekleniyor"
    assert [n["kind"] for n in delayed.json()["notifications"] if n["kind"] == "delay_notice"] == ["delay_notice"]


@pytest.fixture
def live_app(nclient: TestClient, settings: Settings, loopback: LoopbackServer, smtp: SmtpSink) -> Iterator[TestClient]:
    """The scheduler and dispatcher running, on the real clock."""
    live = sender_settings(settings, loopback, smtp, scheduler_enabled=True, scheduler_sweep_seconds=300)
    with TestClient(create_app(live)) as client:
        yield client


def test_the_decision_reaches_the_conversation_at_once(live_app: TestClient, loopback: LoopbackServer) -> None:
    loopback.conversation("conv-live", channel="telegram")
    body = {**VALID_COMPLAINTS["poliser"], "policy": "poliser", "conversation_id": "conv-live", "channel": "telegram"}
    tn = live_app.post("/api/complaints", json=body, headers=SERVICE).json()["tracking_number"]
    started = time.monotonic()
    changed = live_app.post(
        f"/api/complaints/{tn}/status", json={"status": "resolved", "note": "Tam iade yapılacak."}, headers=AGENT
    )
    assert changed.status_code == 200
    while not loopback.triggered() and time.monotonic() - started < 5:
        time.sleep(0.02)
    elapsed = time.monotonic() - started
    [call] = loopback.triggered()
    assert call["conversation_id"] == "conv-live"
    assert call["name"] == "EXTERNAL_decision"
    assert {k: v for k, v in call["entities"].items() if k != "notification_id"} == {
        "tracking_number": tn,
        "decision_text": "Tam iade yapılacak.",
    }
    assert elapsed < 2, elapsed
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        # Poliser's decision goes by SMS as well, a row of its own (test_sms_by_policy.py).
        decision = [
            n for n in _record(live_app, tn)["notifications"] if n["kind"] == "decision" and n["channel"] != "sms"
        ][0]
        if decision["state"] == "sent":
            break
        time.sleep(0.05)
    assert decision["state"] == "sent" and decision["channel"] == "rasa"


def test_an_erasure_scrubs_the_texts_kept_for_notifications_and_stops_them(
    nclient: TestClient,
    client: TestClient,
    notify_app: Any,
    admin_headers: dict[str, str],
    loopback: LoopbackServer,
) -> None:
    loopback.conversation("conv-erase", channel="rest")
    body = {**VALID_COMPLAINTS["eurolux"], "policy": "eurolux", "conversation_id": "conv-erase"}
    tn = nclient.post("/api/complaints", json=body, headers=SERVICE).json()["tracking_number"]
    note = "Məmmədov Əli, televizor 050 123 45 67 nömrəsinə zəng edəndən sonra çatdırılacaq."
    resolved = nclient.post(f"/api/complaints/{tn}/status", json={"status": "resolved", "note": note}, headers=AGENT)
    assert resolved.status_code == 200
    erased = client.post("/api/privacy/erase", json={"phone": "050 123 45 67"}, headers=admin_headers)
    assert erased.status_code == 200, erased.text
    notify_app.state.notifications.dispatcher.run_due()
    decision = [n for n in _record(nclient, tn)["notifications"] if n["kind"] == "decision"][0]
    assert decision["state"] == "cancelled"  # nobody left to send it to
    assert loopback.triggered() == []
    from sqlmodel import Session, select

    from backend.app.notifications.models import Notification

    with Session(notify_app.state.engine) as session:
        payloads = [row.payload for row in session.exec(select(Notification)).all() if row.payload]
    text = str(payloads)
    assert "Məmmədov" not in text and "123 45 67" not in text and "[erased]" in text
