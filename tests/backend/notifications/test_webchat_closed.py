"""A web chat customer's notices when the page is open and when it is closed: the rasa server's
presence answer (the loopback's `open_pages`, asked with the header JWT) decides whether the
chat counts as delivered; closed, the notice goes into the conversation all the same and the
chain goes on to e-mail (aiosmtpd), then SMS (the loopback gateway), each once."""

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.app.complaints.models import Complaint
from backend.app.notifications.service import NotificationService
from tests.backend.conftest import AGENT_TOKEN, SERVICE_TOKEN, VALID_COMPLAINTS
from tests.backend.notifications.conftest import RASA_TOKEN, Timeline
from tests.support.loopback import LoopbackServer, SmtpSink
from tests.support.rasa_api import jwt_user

AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
BAKU = ZoneInfo("Asia/Baku")
CHAT = "wc:" + "5e" * 16
DECISION = "Simi pulsuz dəyişəcəyik."


def _register(client: TestClient, **overrides: Any) -> str:
    body = {**VALID_COMPLAINTS["music_gallery"], "policy": "music_gallery", "conversation_id": CHAT, **overrides}
    response = client.post("/api/complaints", json={k: v for k, v in body.items() if v is not None}, headers=SERVICE)
    assert response.status_code == 201, response.text
    return str(response.json()["tracking_number"])


def _resolve(client: TestClient, tn: str) -> None:
    response = client.post(f"/api/complaints/{tn}/status", json={"status": "resolved", "note": DECISION}, headers=AGENT)
    assert response.status_code == 200, response.text


def _decision(client: TestClient, tn: str) -> dict[str, Any]:
    record = client.get(f"/api/complaints/{tn}", headers=AGENT).json()
    return next(n for n in record["notifications"] if n["kind"] == "decision")


def _decisions_in_the_conversation(loopback: LoopbackServer) -> list[dict[str, Any]]:
    return [c for c in loopback.triggered() if c["name"] == "EXTERNAL_decision" and c["conversation_id"] == CHAT]


def _customer_mail(smtp: SmtpSink, address: str) -> list[Any]:
    return [m for m in smtp.messages if m["To"] == address]


def test_an_open_page_gets_the_notice_through_the_chat_alone(
    nclient: TestClient,
    service: NotificationService,
    timeline: Callable[..., Timeline],
    loopback: LoopbackServer,
    smtp: SmtpSink,
) -> None:
    timeline(BAKU, "02.02 10:00")
    loopback.conversation(CHAT, channel="socketio")
    loopback.open_pages.add(CHAT)
    tn = _register(nclient, email="nigar@example.az")
    _resolve(nclient, tn)
    service.dispatcher.run_due()
    decision = _decision(nclient, tn)
    assert decision["state"] == "sent" and decision["channel"] == "rasa"
    assert len(_decisions_in_the_conversation(loopback)) == 1
    assert _customer_mail(smtp, "nigar@example.az") == [] and loopback.received("/sms") == []
    asked = loopback.received("/webhooks/socketio/presence")
    assert [r.query["conversation_id"] for r in asked] == [CHAT]
    assert jwt_user(asked[0].authorization, RASA_TOKEN) is not None  # never a token in the URL
    assert "token" not in asked[0].query


def test_a_closed_page_gets_the_notice_in_the_conversation_and_one_email(
    nclient: TestClient,
    service: NotificationService,
    timeline: Callable[..., Timeline],
    loopback: LoopbackServer,
    smtp: SmtpSink,
) -> None:
    line = timeline(BAKU, "02.02 10:00")
    loopback.conversation(CHAT, channel="socketio")
    tn = _register(nclient, email="nigar@example.az")  # phone too: the e-mail comes first
    smtp.failures = 1  # the first e-mail is refused for now: the notice is retried
    _resolve(nclient, tn)
    line.at("02.02 10:05")
    decision = _decision(nclient, tn)
    assert decision["state"] == "sent" and decision["channel"] == "email"
    assert [(a["channel"], a["outcome"]) for a in decision["attempt_log"]] == [
        ("rasa", "error"),
        ("email", "error"),
        ("rasa", "error"),
        ("email", "sent"),
    ]
    assert "web chat is closed" in decision["attempt_log"][0]["detail"]
    assert "already in the conversation" in decision["attempt_log"][2]["detail"]
    mail = _customer_mail(smtp, "nigar@example.az")
    assert len(mail) == 1 and DECISION in mail[0].get_content()
    assert len(_decisions_in_the_conversation(loopback)) == 1  # in the conversation once, for the replay
    assert loopback.received("/sms") == []
    record = nclient.get(f"/api/complaints/{tn}", headers=AGENT).json()
    assert record["notification_failed"] is False
    assert [n["channel"] for n in record["notifications"] if n["kind"] == "decision"] == ["email"]  # no copy row


def test_a_closed_page_without_an_email_address_gets_one_sms(
    nclient: TestClient,
    service: NotificationService,
    timeline: Callable[..., Timeline],
    loopback: LoopbackServer,
    smtp: SmtpSink,
) -> None:
    timeline(BAKU, "02.02 10:00")
    loopback.conversation(CHAT, channel="socketio")
    tn = _register(nclient)
    _resolve(nclient, tn)
    service.dispatcher.run_due()
    service.dispatcher.run_due()  # nothing left to send
    decision = _decision(nclient, tn)
    assert decision["state"] == "sent" and decision["channel"] == "sms"
    sms = loopback.received("/sms")
    assert len(sms) == 1 and sms[0].body["to"] == "+994555555555" and tn in sms[0].body["text"]
    assert len(_decisions_in_the_conversation(loopback)) == 1
    assert smtp.messages == []


def test_a_closed_page_with_no_other_route_waits_in_the_chat_as_failed(
    nclient: TestClient,
    notify_app: FastAPI,
    service: NotificationService,
    timeline: Callable[..., Timeline],
    loopback: LoopbackServer,
) -> None:
    """Nothing reached the customer: the row fails at once (a retry would not open the page)
    and the complaint is on the agents' list; a retry after the customer came back counts the
    notice the conversation already holds, without uttering it again."""
    line = timeline(BAKU, "02.02 10:00")
    loopback.conversation(CHAT, channel="socketio")
    tn = _register(nclient)
    # Every policy asks for a phone or an e-mail; one left without (as after an agent removed a
    # wrong number) has no route but the chat.
    with Session(notify_app.state.engine) as session:
        complaint = session.exec(select(Complaint).where(Complaint.tracking_number == tn)).one()
        complaint.phone = None
        session.add(complaint)
        session.commit()
    _resolve(nclient, tn)
    line.at("02.02 10:01")
    decision = _decision(nclient, tn)
    assert decision["state"] == "failed" and decision["attempts"] == 1
    assert decision["last_error"].startswith("rasa: the customer's web chat is closed: the notice waits")
    failed = nclient.get("/api/complaints?notification_failed=true", headers=AGENT).json()
    assert [c["tracking_number"] for c in failed] == [tn]

    retry = f"/api/complaints/{tn}/notifications/{decision['id']}/retry"
    assert nclient.post(retry, headers=AGENT).status_code == 200  # still closed
    line.at("02.02 10:02")
    assert _decision(nclient, tn)["state"] == "failed"

    loopback.open_pages.add(CHAT)
    assert nclient.post(retry, headers=AGENT).status_code == 200
    line.at("02.02 10:03")
    decision = _decision(nclient, tn)
    assert decision["state"] == "sent" and decision["channel"] == "rasa"
    assert "already in the conversation" in decision["attempt_log"][-1]["detail"]
    assert len(_decisions_in_the_conversation(loopback)) == 1
    assert loopback.received("/sms") == []


def test_no_presence_answer_is_retried_and_nothing_sent_meanwhile(
    nclient: TestClient,
    service: NotificationService,
    timeline: Callable[..., Timeline],
    loopback: LoopbackServer,
    smtp: SmtpSink,
) -> None:
    """The presence store away (the channel answers 503): the route cannot tell, so it waits."""
    line = timeline(BAKU, "02.02 10:00")
    loopback.conversation(CHAT, channel="socketio")
    loopback.open_pages.add(CHAT)
    tn = _register(nclient, email="nigar@example.az")
    loopback.fail("/webhooks/socketio/presence", times=1, status=503)
    _resolve(nclient, tn)
    line.at("02.02 10:00")
    decision = _decision(nclient, tn)
    assert decision["state"] == "planned" and decision["last_error"] == "rasa: rasa answered 503"
    assert _decisions_in_the_conversation(loopback) == [] and smtp.messages == []
    line.at("02.02 10:01")
    assert _decision(nclient, tn)["state"] == "sent"
    assert len(_decisions_in_the_conversation(loopback)) == 1 and smtp.messages == []


def test_other_channels_are_not_asked_about_a_page(
    nclient: TestClient,
    service: NotificationService,
    timeline: Callable[..., Timeline],
    loopback: LoopbackServer,
) -> None:
    timeline(BAKU, "02.02 10:00")
    loopback.conversation("web-rest-1")
    tn = _register(nclient, channel="rest", conversation_id="web-rest-1")
    _resolve(nclient, tn)
    service.dispatcher.run_due()
    assert _decision(nclient, tn)["state"] == "sent"
    assert loopback.received("/webhooks/socketio/presence") == []
