"""Delivery on a controlled clock: retries with backoff, failures the agents see, fallbacks
between routes, a re-claimed send that is not repeated."""

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.app.alerts.models import Alert
from backend.app.notifications.models import Notification, NotificationAttempt, NotificationState
from backend.app.notifications.service import NotificationService
from tests.backend.conftest import AGENT_TOKEN, SERVICE_TOKEN, VALID_COMPLAINTS
from tests.backend.notifications.conftest import Timeline, staff_on_duty
from tests.support.loopback import LoopbackServer, SmtpSink

AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
BAKU = ZoneInfo("Asia/Baku")


def _register(client: TestClient, policy: str = "eurolux", **overrides: Any) -> str:
    body = {**VALID_COMPLAINTS[policy], "policy": policy, **overrides}
    response = client.post("/api/complaints", json={k: v for k, v in body.items() if v is not None}, headers=SERVICE)
    assert response.status_code == 201, response.text
    return str(response.json()["tracking_number"])


def _acknowledge(client: TestClient, tn: str) -> None:
    assert (
        client.post(f"/api/complaints/{tn}/status", json={"status": "acknowledged"}, headers=AGENT).status_code == 200
    )


def _notification(client: TestClient, tn: str, kind: str) -> dict[str, Any]:
    record = client.get(f"/api/complaints/{tn}", headers=AGENT).json()
    return next(n for n in record["notifications"] if n["kind"] == kind)


def test_a_sender_failing_three_times_then_succeeding(
    nclient: TestClient, service: NotificationService, timeline: Callable[..., Timeline], loopback: LoopbackServer
) -> None:
    line = timeline(BAKU, "02.02 10:00")
    loopback.conversation("web-1")
    tn = _register(nclient, conversation_id="web-1")
    loopback.fail("/conversations/web-1/trigger_intent", times=3, status=503)
    line.at("02.02 11:00")
    _acknowledge(nclient, tn)
    line.at("02.02 11:00")  # attempt 1 fails: retried in 30 s
    assert _notification(nclient, tn, "acknowledgement")["state"] == "planned"
    line.at("02.02 11:10")  # 30 s, 60 s, 120 s later: attempts 2 and 3 fail, the 4th gets through
    ack = _notification(nclient, tn, "acknowledgement")
    assert ack["state"] == "sent" and ack["attempts"] == 4 and ack["last_error"] is None
    log = ack["attempt_log"]
    assert [entry["outcome"] for entry in log] == ["error", "error", "error", "sent"]
    assert [entry["at"][11:19] for entry in log] == ["11:00:00", "11:00:30", "11:01:30", "11:03:30"]
    assert log[0]["detail"] == "rasa answered 503"
    assert ack["sent_at"] == "2026-02-02T11:03:30+04:00"
    triggers = [c for c in loopback.triggered() if c["name"] == "EXTERNAL_acknowledgement"]
    assert len(triggers) == 4  # three refused by the server, one accepted
    record = nclient.get(f"/api/complaints/{tn}", headers=AGENT).json()
    assert record["notification_failed"] is False


def test_failing_for_good_shows_on_the_agents_list_and_can_be_retried(
    nclient: TestClient, service: NotificationService, timeline: Callable[..., Timeline], smtp: SmtpSink
) -> None:
    line = timeline(BAKU, "02.02 10:00")
    staff_on_duty(service.dispatcher.engine, "inverter_eu")  # who hears of the failure
    tn = _register(nclient, "inverter_eu")  # e-mail only
    smtp.failures = 100  # 451 to everything
    line.at("02.02 12:00")  # 6 attempts: 30 + 60 + 120 + 240 + 480 s
    registration = _notification(nclient, tn, "registration")
    assert registration["state"] == "failed" and registration["attempts"] == 6
    assert registration["last_error"] == "email: smtp answered 451"
    failed = nclient.get("/api/complaints?notification_failed=true", headers=AGENT).json()
    assert [c["tracking_number"] for c in failed] == [tn] and failed[0]["notification_failed"] is True
    assert nclient.get("/api/complaints?notification_failed=false", headers=AGENT).json() == []
    # The team's agent got an alert of it (in the console; the e-mail failed like the rest).
    with Session(service.dispatcher.engine) as session:
        alert = session.exec(select(Alert).where(Alert.kind == "notification_failed")).one()
        assert alert.state == "sent" and alert.payload == {"notification": "registration"}

    smtp.failures = 0
    retried = nclient.post(f"/api/complaints/{tn}/notifications/{registration['id']}/retry", headers=AGENT)
    assert retried.status_code == 200 and retried.json()["notification_failed"] is False
    line.at("02.02 12:01")
    registration = _notification(nclient, tn, "registration")
    assert registration["state"] == "sent" and len(registration["attempt_log"]) == 7
    assert len(smtp.messages) == 1
    again = nclient.post(f"/api/complaints/{tn}/notifications/{registration['id']}/retry", headers=AGENT)
    assert again.status_code == 409


def test_a_permanent_refusal_on_the_only_route_fails_at_once(
    nclient: TestClient, service: NotificationService, timeline: Callable[..., Timeline], loopback: LoopbackServer
) -> None:
    """A complaint taken by phone (SMS only); the gateway refuses the number (400): no retry."""
    timeline(BAKU, "02.02 10:00")
    body = {**VALID_COMPLAINTS["eurolux"], "policy": "eurolux", "channel": "phone"}
    response = nclient.post("/api/complaints", json=body, headers=AGENT)
    assert response.status_code == 201, response.text
    tn = response.json()["tracking_number"]
    loopback.fail("/sms", times=1, status=400)
    service.dispatcher.run_due()
    registration = _notification(nclient, tn, "registration")
    assert registration["state"] == "failed" and registration["attempts"] == 1
    assert registration["last_error"] == "sms: sms gateway answered 400"
    assert nclient.get(f"/api/complaints/{tn}", headers=AGENT).json()["notification_failed"] is True
    sms = loopback.received("/sms")
    assert sms[0].body == {"to": "+994501234567", "text": sms[0].body["text"], "reference": sms[0].body["reference"]}
    assert tn in sms[0].body["text"]


def test_conversation_gone_falls_back_to_the_telegram_bot_api(
    nclient: TestClient, service: NotificationService, timeline: Callable[..., Timeline], loopback: LoopbackServer
) -> None:
    line = timeline(BAKU, "02.02 10:00")
    tn = _register(nclient, "kontakt", conversation_id="tg:424242", channel="telegram")  # Rasa has no such tracker
    line.at("03.02 10:00")
    _acknowledge(nclient, tn)
    line.at("03.02 10:00")
    ack = _notification(nclient, tn, "acknowledgement")
    assert ack["state"] == "sent" and ack["channel"] == "telegram"
    assert [(e["channel"], e["outcome"]) for e in ack["attempt_log"]] == [("rasa", "error"), ("telegram", "sent")]
    assert "conversation gone" in ack["attempt_log"][0]["detail"]
    sent = loopback.received("/bot123456:TEST/sendMessage")
    assert len(sent) == 1 and sent[0].body["chat_id"] == "424242"
    assert sent[0].body["text"].startswith(f"Ваша жалоба {tn} принята в работу.")


def test_the_telegram_fallback_sends_nothing_to_a_chat_read_from_another_channels_id(
    nclient: TestClient, service: NotificationService, timeline: Callable[..., Timeline], loopback: LoopbackServer
) -> None:
    """Telegram conversations are `tg:<chat id>`; a bare "424242" (a REST client may choose any
    sender) is no Telegram chat, so the Bot API gets nothing and the next route takes the notice."""
    line = timeline(BAKU, "02.02 10:00")
    tn = _register(nclient, "kontakt", conversation_id="424242", channel="telegram")
    line.at("03.02 10:00")
    _acknowledge(nclient, tn)
    line.at("03.02 10:00")
    ack = _notification(nclient, tn, "acknowledgement")
    assert [(e["channel"], e["outcome"]) for e in ack["attempt_log"]][:2] == [("rasa", "error"), ("telegram", "error")]
    assert ack["attempt_log"][1]["detail"] == "no Telegram chat id"
    assert loopback.received("/bot123456:TEST/sendMessage") == []


def test_an_intent_rasa_lacks_falls_back_to_email(
    nclient: TestClient,
    service: NotificationService,
    timeline: Callable[..., Timeline],
    loopback: LoopbackServer,
    smtp: SmtpSink,
) -> None:
    """Rasa answers 404 for an EXTERNAL_ intent its domain lacks: the next route takes it."""
    line = timeline(BAKU, "02.02 10:00")
    loopback.intents = {"EXTERNAL_decision"}
    loopback.conversation("tw:+994501112233", channel="twilio")
    tn = _register(nclient, "kontakt", conversation_id="tw:+994501112233", channel="twilio")
    _acknowledge(nclient, tn)
    line.at("02.02 10:01")
    ack = _notification(nclient, tn, "acknowledgement")
    assert ack["state"] == "sent" and ack["channel"] == "email"
    assert [(e["channel"], e["outcome"]) for e in ack["attempt_log"]] == [("rasa", "error"), ("email", "sent")]
    assert ack["attempt_log"][0]["detail"].startswith("rasa answered 404 for EXTERNAL_acknowledgement")
    assert [m["To"] for m in smtp.messages] == ["ivanov@example.com"]


def test_a_paused_conversation_waits_for_the_agent_to_hand_it_back(
    nclient: TestClient, service: NotificationService, timeline: Callable[..., Timeline], loopback: LoopbackServer
) -> None:
    line = timeline(BAKU, "02.02 10:00")
    conversation = loopback.conversation("web-2", paused=True)
    tn = _register(nclient, conversation_id="web-2")
    _acknowledge(nclient, tn)
    line.at("02.02 10:00")
    ack = _notification(nclient, tn, "acknowledgement")
    assert ack["state"] == "planned" and "paused" in ack["last_error"]
    conversation.paused = False
    line.at("02.02 10:05")
    assert _notification(nclient, tn, "acknowledgement")["state"] == "sent"
    assert len([c for c in loopback.triggered() if c["name"] == "EXTERNAL_acknowledgement"]) == 1


def test_a_reclaimed_send_already_in_the_tracker_is_not_repeated(
    nclient: TestClient,
    notify_app: FastAPI,
    service: NotificationService,
    timeline: Callable[..., Timeline],
    loopback: LoopbackServer,
) -> None:
    """A dispatcher claimed the row, delivered it and died before recording: after the lease
    the next dispatcher finds the notification's key in Rasa's tracker."""
    line = timeline(BAKU, "02.02 10:00")
    loopback.conversation("web-3")
    tn = _register(nclient, conversation_id="web-3")
    _acknowledge(nclient, tn)
    now = line.clock.now()
    claimed = service.dispatcher.claim(10, now)
    assert len(claimed) == 1 and claimed[0][1] is False
    assert service.dispatcher.claim(10, now) == []  # nobody else gets it during the lease
    with Session(notify_app.state.engine) as session:
        row = session.exec(select(Notification).where(Notification.id == claimed[0][0])).one()
        assert row.state == NotificationState.claimed
        key = row.key
    # What the dead dispatcher had sent:
    loopback.handle(
        "POST",
        "/conversations/web-3/trigger_intent",
        {"token": "test-rasa-token"},
        {"name": "EXTERNAL_acknowledgement", "entities": {"tracking_number": tn, "notification_id": key}},
    )
    line.at("02.02 10:01")  # within the lease (120 s): still nobody's
    assert _notification(nclient, tn, "acknowledgement")["state"] == "claimed"
    line.at("02.02 10:03")
    ack = _notification(nclient, tn, "acknowledgement")
    assert ack["state"] == "sent" and ack["attempts"] == 2
    assert "already in the conversation" in ack["attempt_log"][-1]["detail"]
    assert len(loopback.triggered()) == 1


def test_a_send_rasa_took_but_never_answered_is_not_repeated(
    nclient: TestClient, service: NotificationService, timeline: Callable[..., Timeline], loopback: LoopbackServer
) -> None:
    """The rasa server behind the balancer stored the intent and died before answering: the
    dispatcher saw a 502 and retries; the retry finds the key in the tracker and sends nothing."""
    line = timeline(BAKU, "02.02 10:00")
    conversation = loopback.conversation("web-4")
    tn = _register(nclient, conversation_id="web-4")
    loopback.fail("/conversations/web-4/trigger_intent", times=1, status=502, taken=True)
    _acknowledge(nclient, tn)
    line.at("02.02 10:00")
    ack = _notification(nclient, tn, "acknowledgement")
    assert ack["state"] == "planned" and ack["last_error"] == "rasa: rasa answered 502"
    line.at("02.02 10:05")
    ack = _notification(nclient, tn, "acknowledgement")
    assert ack["state"] == "sent" and ack["attempts"] == 2
    assert "already in the conversation" in ack["attempt_log"][-1]["detail"]
    assert len(loopback.triggered()) == 1  # the one the dead server took
    assert [e["parse_data"]["intent"]["name"] for e in conversation.events if e["event"] == "user"].count(
        "EXTERNAL_acknowledgement"
    ) == 1


def test_a_retry_after_a_plain_failure_is_sent(
    nclient: TestClient, service: NotificationService, timeline: Callable[..., Timeline], loopback: LoopbackServer
) -> None:
    """The other side of the same check: a 503 that took nothing is sent on the retry."""
    line = timeline(BAKU, "02.02 10:00")
    conversation = loopback.conversation("web-5")
    tn = _register(nclient, conversation_id="web-5")
    loopback.fail("/conversations/web-5/trigger_intent", times=1, status=503)
    _acknowledge(nclient, tn)
    line.at("02.02 10:00")
    line.at("02.02 10:05")
    ack = _notification(nclient, tn, "acknowledgement")
    assert ack["state"] == "sent" and "triggered" in ack["attempt_log"][-1]["detail"]
    assert [e["parse_data"]["intent"]["name"] for e in conversation.events if e["event"] == "user"].count(
        "EXTERNAL_acknowledgement"
    ) == 1


def test_claims_on_two_dispatchers_are_disjoint(
    nclient: TestClient, notify_app: FastAPI, service: NotificationService, timeline: Callable[..., Timeline]
) -> None:
    from backend.app.notifications.dispatcher import Dispatcher

    line = timeline(BAKU, "02.02 10:00")
    for _ in range(5):
        _register(nclient, "inverter_eu")
    other = Dispatcher(notify_app.state.engine, service.settings, notify_app.state.policies, service.planner)
    now = line.clock.now()
    first = service.dispatcher.claim(3, now)
    second = other.claim(10, now)
    assert len(first) == 3 and len(second) == 2
    assert not {i for i, _ in first} & {i for i, _ in second}
    with Session(notify_app.state.engine) as session:
        workers = {row.claimed_by for row in session.exec(select(Notification).where(Notification.state == "claimed"))}
    assert workers == {service.dispatcher.worker, other.worker}


def test_every_attempt_is_recorded_with_its_worker(
    nclient: TestClient,
    notify_app: FastAPI,
    service: NotificationService,
    timeline: Callable[..., Timeline],
    smtp: SmtpSink,
) -> None:
    line = timeline(BAKU, "02.02 10:00")
    _register(nclient, "inverter_eu")
    line.at("02.02 10:00")
    with Session(notify_app.state.engine) as session:
        attempts = session.exec(select(NotificationAttempt)).all()
    assert [(a.channel, a.outcome, a.worker) for a in attempts] == [("email", "sent", service.dispatcher.worker)]
    assert attempts[0].at == dt.datetime(2026, 2, 2, 10, 0, tzinfo=BAKU)


def test_a_twilio_customer_is_reached_in_their_own_conversation(
    nclient: TestClient, service: NotificationService, timeline: Callable[..., Timeline], loopback: LoopbackServer
) -> None:
    """Twilio's sender ids hold ":" and "+"; Rasa takes the id from the raw path, so
    percent-encoding them addressed a new, empty conversation and the customer got nothing."""
    line = timeline(BAKU, "02.02 10:00")
    loopback.conversation("tw:+994501112233", channel="twilio")
    tn = _register(nclient, "kontakt", conversation_id="tw:+994501112233", channel="twilio")
    _acknowledge(nclient, tn)
    line.at("02.02 10:01")
    ack = _notification(nclient, tn, "acknowledgement")
    assert ack["state"] == "sent" and ack["channel"] == "rasa", ack["attempt_log"]
    (trigger,) = [c for c in loopback.triggered() if c["name"] == "EXTERNAL_acknowledgement"]
    assert trigger["conversation_id"] == "tw:+994501112233"
    assert all("%" not in record.path for record in loopback.received("/conversations/"))
