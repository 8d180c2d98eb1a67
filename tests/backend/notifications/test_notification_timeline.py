"""A complaint per policy, its whole timeline on a controlled clock: exactly the policy's
notifications, in order, each delivered once to the local servers."""

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.app.alerts.models import Alert
from tests.backend.conftest import AGENT_TOKEN, SERVICE_TOKEN, VALID_COMPLAINTS
from tests.backend.notifications.conftest import (
    ON_DUTY,
    RASA_TOKEN,
    SUPERVISOR,
    Timeline,
    alert_log,
    sent_log,
    staff_on_duty,
)
from tests.support.loopback import LoopbackServer, SmtpSink
from tests.support.rasa_api import jwt_user

AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
BAKU, BUCHAREST, ISTANBUL = ZoneInfo("Asia/Baku"), ZoneInfo("Europe/Bucharest"), ZoneInfo("Europe/Istanbul")


class Agent:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.pins: dict[str, str] = {}

    def register(self, policy: str, **overrides: Any) -> str:
        body = {**VALID_COMPLAINTS[policy], "policy": policy, **overrides}
        response = self.client.post(
            "/api/complaints", json={k: v for k, v in body.items() if v is not None}, headers=SERVICE
        )
        assert response.status_code == 201, response.text
        tn = str(response.json()["tracking_number"])
        self.pins[tn] = response.json()["pin"]
        return tn

    def status(self, tn: str, status: str, note: str | None = None) -> dict[str, Any]:
        response = self.client.post(
            f"/api/complaints/{tn}/status", json={"status": status, "note": note}, headers=AGENT
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def delay(self, tn: str, reason: str, new_date: str) -> None:
        response = self.client.post(
            f"/api/complaints/{tn}/delay", json={"reason": reason, "new_date": new_date}, headers=AGENT
        )
        assert response.status_code == 200, response.text

    def customer(self, tn: str, approved: bool, reason: str | None = None) -> dict[str, Any]:
        """The customer's answer, relayed from the complaint's own conversation (the action
        server), or, without one, with its PIN as the tracking page would."""
        conversation = self.record(tn)["conversation_id"]
        pin = None if conversation else self.pins[tn]
        response = self.client.post(
            f"/api/complaints/{tn}/customer-decision",
            json={
                "approved": approved,
                "reason": reason,
                "language": None,
                "conversation_id": conversation,
                "pin": pin,
            },
            headers=SERVICE,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def record(self, tn: str) -> dict[str, Any]:
        return dict(self.client.get(f"/api/complaints/{tn}", headers=AGENT).json())


Expected = list[tuple[str, str, str, str]]


def _check(app: FastAPI, tz: ZoneInfo, expected: Expected, alerts: Expected) -> None:
    """The customer's notifications, and the staff's alerts (backend/app/alerts)."""

    assert sent_log(app.state.engine, tz) == expected
    assert alert_log(app.state.engine, tz) == alerts


def test_eurolux_web_chat_on_time(
    nclient: TestClient,
    notify_app: FastAPI,
    timeline: Callable[..., Timeline],
    loopback: LoopbackServer,
    smtp: SmtpSink,
) -> None:
    """Registered in the chat, acknowledged on the last day after the reminder, resolved on
    time, approved: reminders before each deadline, no escalation."""
    line = timeline(BAKU, "02.02 10:00")
    agent = Agent(nclient)
    staff_on_duty(notify_app.state.engine, "eurolux")
    loopback.conversation("web-eu-1", channel="rest")
    tn = agent.register("eurolux", conversation_id="web-eu-1")
    line.at("05.02 11:00")
    agent.status(tn, "acknowledged")
    line.at("12.02 15:00")
    agent.status(tn, "resolved", "Televizor 14.02-də çatdırılacaq, çatdırılma pulsuzdur.")
    line.at("13.02 12:00")
    assert agent.customer(tn, approved=True)["status"] == "closed"
    line.at("20.02 10:00")
    _check(
        notify_app,
        BAKU,
        [
            ("02.02 10:00", "registration", "customer", "rest"),  # the assistant's reply carried the number
            ("05.02 11:00", "acknowledgement", "customer", "rasa"),
            ("12.02 15:00", "decision", "customer", "rasa"),
        ],
        [
            ("05.02 09:00", "deadline_due_soon", "acknowledge_by", "team"),  # unassigned: the whole team
            ("10.02 09:00", "deadline_due_soon", "investigate_by", "team"),
            ("11.02 00:00", "deadline_breached", "investigate_by", "supervisor+team"),  # decided on 12.02
            ("12.02 09:00", "deadline_due_soon", "resolve_by", "team"),
        ],
    )
    triggered = loopback.triggered()
    assert [(call["name"], call["conversation_id"]) for call in triggered] == [
        ("EXTERNAL_acknowledgement", "web-eu-1"),
        ("EXTERNAL_decision", "web-eu-1"),
    ]
    assert triggered[1]["entities"]["tracking_number"] == tn
    assert triggered[1]["entities"]["decision_text"] == "Televizor 14.02-də çatdırılacaq, çatdırılma pulsuzdur."
    # RASA_TOKEN travels only as the header JWT signed with it, never in the URL.
    assert all(
        record.query == {"output_channel": "latest", "include_events": "NONE"}
        and jwt_user(record.authorization, "test-rasa-token") == {"username": "backend", "role": "admin"}
        for record in loopback.received("/conversations/")
        if record.path.endswith("trigger_intent")
    )
    # The resolution date, the Azerbaijani way (CLDR 47 capitalises the weekday, 46 does not).
    assert "məsələni 12 fevral 2026 (cümə axşamı) tarixinədək" in triggered[0]["entities"]["text"].lower()
    states = {(n["kind"], n["deadline"]): n["state"] for n in agent.record(tn)["notifications"]}
    assert states[("approval_request", None)] == "cancelled"
    # Met on time: the breach alerts of those deadlines were cancelled.
    with Session(notify_app.state.engine) as session:
        breaches = session.exec(select(Alert.deadline, Alert.state).where(Alert.kind == "deadline_breached")).all()
    assert dict(breaches) == {"acknowledge_by": "cancelled", "investigate_by": "sent", "resolve_by": "cancelled"}


def test_kontakt_telegram_late_acknowledgement_delay_and_rereview(
    nclient: TestClient,
    notify_app: FastAPI,
    timeline: Callable[..., Timeline],
    loopback: LoopbackServer,
    smtp: SmtpSink,
) -> None:
    line = timeline(BAKU, "02.02 10:00")
    agent = Agent(nclient)
    staff_on_duty(notify_app.state.engine, "kontakt")
    loopback.conversation("tg:1001", channel="telegram")
    tn = agent.register("kontakt", conversation_id="tg:1001")
    line.at("06.02 10:00")  # nobody acknowledged by Thursday: escalated at midnight
    agent.status(tn, "in_progress", "Проверяем партию на складе")
    line.at("12.02 16:00")
    agent.delay(tn, "Ждём ответа производителя", "2026-02-16")
    line.at("16.02 12:00")
    agent.status(tn, "resolved", "Заменим машину новой.")
    line.at("17.02 10:00")
    assert agent.customer(tn, approved=False, reason="Хочу возврат денег")["status"] == "reopened"
    line.at("17.02 15:00")
    agent.status(tn, "resolved", "Вернём деньги в течение 3 дней.")
    line.at("18.02 10:00")
    assert agent.customer(tn, approved=True)["status"] == "closed"
    line.at("25.02 10:00")
    _check(
        notify_app,
        BAKU,
        [
            ("02.02 10:00", "registration", "customer", "telegram"),
            ("06.02 10:00", "acknowledgement", "customer", "rasa"),
            ("12.02 16:00", "delay_notice", "customer", "rasa"),
            ("16.02 12:00", "decision", "customer", "rasa"),
            ("17.02 15:00", "decision", "customer", "rasa"),
        ],
        [
            ("05.02 09:00", "deadline_due_soon", "acknowledge_by", "team"),
            ("06.02 00:00", "deadline_breached", "acknowledge_by", "supervisor+team"),
            ("11.02 09:00", "deadline_due_soon", "investigate_by", "team"),  # 3 working days after the acknowledgement
            ("12.02 00:00", "deadline_breached", "investigate_by", "supervisor+team"),
            ("12.02 09:00", "deadline_due_soon", "resolve_by", "team"),
            ("16.02 09:00", "deadline_due_soon", "resolve_by", "team"),  # the new date
            ("17.02 10:00", "deadline_breached", "resolve_by", "supervisor+team"),  # reopened after the promised date
            ("17.02 10:00", "rejection", "", "team"),
        ],
    )
    delay = [call for call in loopback.triggered() if call["name"] == "EXTERNAL_delay_notice"][0]
    assert "Ждём ответа производителя." in delay["entities"]["text"]
    assert "Новая дата решения: 16 февраля 2026\u202fг. (понедельник)." in delay["entities"]["text"]
    assert delay["entities"]["new_date"] == "16 февраля 2026\u202fг. (понедельник)"
    escalations = [message for message in smtp.messages if message["To"] == SUPERVISOR]
    assert len(escalations) == 3  # the supervisor's e-mail of each breach
    assert len([message for message in smtp.messages if message["To"] == ON_DUTY]) == 8
    assert "acknowledge_by passed" in [e["note"] for e in agent.record(tn)["history"] if e["kind"] == "escalation"][0]


def test_music_gallery_web_chat_closed_page_overdue_and_approval_reminder(
    nclient: TestClient,
    notify_app: FastAPI,
    timeline: Callable[..., Timeline],
    loopback: LoopbackServer,
    smtp: SmtpSink,
) -> None:
    """Web chat reaches a customer only while the page is open: the decision, given while it
    was closed, goes into the conversation and by e-mail; the reminder, while the customer is
    back in the chat, through the chat alone."""
    line = timeline(BAKU, "02.02 10:00")
    agent = Agent(nclient)
    staff_on_duty(notify_app.state.engine, "music_gallery")
    chat = "wc:" + "a1" * 16
    loopback.conversation(chat, channel="socketio")
    loopback.open_pages.add(chat)
    tn = agent.register("music_gallery", conversation_id=chat, email="nigar@example.az")
    line.at("05.02 10:00")
    agent.status(tn, "acknowledged")
    line.at("17.02 11:00")  # resolve_by Monday 16.02 passed
    loopback.open_pages.discard(chat)  # the customer closed the page
    agent.status(tn, "resolved", "Simi pulsuz dəyişəcəyik.")
    line.at("19.02 12:00")
    loopback.open_pages.add(chat)  # and opened it again
    line.at("21.02 12:00")  # no answer: asked again on 20.02
    assert agent.customer(tn, approved=True)["status"] == "closed"
    line.at("28.02 12:00")
    _check(
        notify_app,
        BAKU,
        [
            ("02.02 10:00", "registration", "customer", "socketio"),  # the assistant's reply
            ("05.02 10:00", "acknowledgement", "customer", "rasa"),
            ("17.02 11:00", "decision", "customer", "email"),  # the page was closed
            ("20.02 10:00", "approval_request", "customer", "rasa"),
        ],
        [
            ("05.02 09:00", "deadline_due_soon", "acknowledge_by", "team"),
            ("16.02 09:00", "deadline_due_soon", "resolve_by", "team"),
            ("17.02 00:00", "deadline_breached", "resolve_by", "supervisor+team"),
        ],
    )
    customer_mail = [m for m in smtp.messages if m["To"] == "nigar@example.az"]
    assert [m["Subject"] for m in customer_mail] == [f"{tn} nömrəli şikayət üzrə qərar"]
    assert "Simi pulsuz dəyişəcəyik." in customer_mail[0].get_content()
    decision = [n for n in agent.record(tn)["notifications"] if n["kind"] == "decision"][0]
    assert [(a["channel"], a["outcome"]) for a in decision["attempt_log"]] == [("rasa", "error"), ("email", "sent")]
    assert "web chat is closed" in decision["attempt_log"][0]["detail"]
    # The decision is in the conversation all the same (shown when the page opens again), and
    # the approval request shows it again, with its buttons (EXTERNAL_decision).
    assert [call["name"] for call in loopback.triggered()] == [
        "EXTERNAL_acknowledgement",
        "EXTERNAL_decision",
        "EXTERNAL_decision",
    ]
    presence = loopback.received("/webhooks/socketio/presence")
    assert len(presence) == 3 and all(jwt_user(r.authorization, RASA_TOKEN) for r in presence)


def test_inverter_eu_email_progress_update_delay_and_dispute(
    nclient: TestClient,
    notify_app: FastAPI,
    timeline: Callable[..., Timeline],
    loopback: LoopbackServer,
    smtp: SmtpSink,
) -> None:
    """By e-mail only; the policy's progress update 14 working days after the acknowledgement
    (moved when the acknowledgement came before its deadline); two rejections: disputed."""
    line = timeline(BUCHAREST, "02.02 10:00")
    agent = Agent(nclient)
    staff_on_duty(notify_app.state.engine, "inverter_eu")
    tn = agent.register("inverter_eu")
    planned_update = [n for n in agent.record(tn)["notifications"] if n["kind"] == "progress_update"]
    assert [n["due_at"] for n in planned_update] == ["2026-03-03T10:00:00+02:00"]  # from the acknowledgement deadline
    line.at("03.02 11:00")
    agent.status(tn, "acknowledged")
    line.at("16.03 14:00")
    agent.delay(tn, "Așteptăm piesa de schimb de la producător", "2026-03-20")
    line.at("20.03 12:00")
    agent.status(tn, "resolved", "Înlocuim invertorul în garanție.")
    line.at("21.03 10:00")  # the customer phoned: an agent records the answer
    response = nclient.post(
        f"/api/complaints/{tn}/customer-decision",
        json={"approved": False, "reason": "Vreau banii înapoi", "language": "ro"},
        headers=AGENT,
    )
    assert response.json()["status"] == "reopened"
    line.at("23.03 12:00")
    agent.status(tn, "resolved", "Vă rambursăm prețul integral.")
    line.at("24.03 09:30")
    disputed = agent.customer(tn, approved=False, reason="Prea târziu")
    assert disputed["status"] == "disputed" and "ANPC" in disputed["external_remedies"]
    line.at("31.03 10:00")
    _check(
        notify_app,
        BUCHAREST,
        [
            ("02.02 10:00", "registration", "customer", "email"),
            ("03.02 11:00", "acknowledgement", "customer", "email"),
            ("23.02 10:00", "progress_update", "customer", "email"),
            ("16.03 14:00", "delay_notice", "customer", "email"),
            ("20.03 12:00", "decision", "customer", "email"),
            ("23.03 12:00", "decision", "customer", "email"),
        ],
        [
            ("23.02 09:00", "deadline_due_soon", "progress_update_by", "team"),  # the policy's update went at 10:00
            ("16.03 09:00", "deadline_due_soon", "resolve_by", "team"),
            ("20.03 09:00", "deadline_due_soon", "resolve_by", "team"),
            ("21.03 10:00", "deadline_breached", "resolve_by", "supervisor+team"),
            ("21.03 10:00", "rejection", "", "team"),
            ("24.03 09:30", "dispute", "", "supervisor+team"),
        ],
    )
    customer_mail = [m for m in smtp.messages if m["To"] == "ion.popescu@example.ro"]
    assert len(customer_mail) == 6
    assert all(m["Content-Language"] == "ro" for m in customer_mail)
    assert "Așteptăm piesa de schimb de la producător." in customer_mail[3].get_content()
    assert "Noua dată de soluționare: 20 martie 2026 (vineri)." in customer_mail[3].get_content()
    dispute = [m for m in smtp.messages if m["To"] == SUPERVISOR][-1]
    assert dispute["Subject"] == "Clientul contestă decizia"  # an agent without a language: the policy's
    assert tn in dispute.get_content() and f"#/complaint/{tn}" in dispute.get_content()
    assert loopback.triggered() == []


def test_poliser_whatsapp_window_template_then_conversation(
    nclient: TestClient,
    notify_app: FastAPI,
    timeline: Callable[..., Timeline],
    loopback: LoopbackServer,
    smtp: SmtpSink,
) -> None:
    """Outside the 24-hour window WhatsApp only takes the approved template; once the
    customer writes again, the decision goes into the conversation (with its buttons)."""
    line = timeline(ISTANBUL, "02.02 10:00")
    agent = Agent(nclient)
    staff_on_duty(notify_app.state.engine, "poliser")
    wa_id = "905321234567"
    conversation = f"wa:{wa_id}"  # the WhatsApp channel's conversation of that number
    loopback.conversation(conversation, channel="whatsapp", last_message_at=line.moment("02.02 09:58").timestamp())
    tn = agent.register("poliser", conversation_id=conversation)
    line.at("04.02 10:00")
    agent.status(tn, "acknowledged")
    line.at("11.02 14:00")
    agent.status(tn, "resolved", "Eksik ürün yarın gönderilecek.")
    line.at("11.02 15:00")
    loopback.conversation(conversation, channel="whatsapp", last_message_at=line.moment("11.02 15:00").timestamp())
    assert agent.customer(tn, approved=False, reason="Fatura da yanlış")["status"] == "reopened"
    line.at("12.02 10:00")
    agent.status(tn, "resolved", "Eksik ürün ve düzeltilmiş fatura yarın gönderilecek.")
    line.at("12.02 11:00")
    disputed = agent.customer(tn, approved=False, reason="Kabul etmiyorum")
    assert disputed["status"] == "disputed" and disputed["rejections"] == 2
    assert "Tüketici" in disputed["external_remedies"] or "tüketici" in disputed["external_remedies"]
    line.at("19.02 10:00")
    _check(
        notify_app,
        ISTANBUL,
        [
            ("02.02 10:00", "registration", "customer", "whatsapp"),
            ("02.02 10:00", "registration", "customer", "sms"),  # the policy's SMS, with the PIN
            ("04.02 10:00", "acknowledgement", "customer", "whatsapp"),
            ("11.02 14:00", "decision", "customer", "whatsapp"),
            ("11.02 14:00", "decision", "customer", "sms"),
            ("12.02 10:00", "decision", "customer", "whatsapp"),
            ("12.02 10:00", "decision", "customer", "sms"),
        ],
        [
            ("04.02 09:00", "deadline_due_soon", "acknowledge_by", "team"),
            ("10.02 09:00", "deadline_due_soon", "investigate_by", "team"),
            ("11.02 00:00", "deadline_breached", "investigate_by", "supervisor+team"),
            ("11.02 09:00", "deadline_due_soon", "resolve_by", "team"),
            ("11.02 15:00", "rejection", "", "team"),
            ("12.02 00:00", "deadline_breached", "resolve_by", "supervisor+team"),
            ("12.02 11:00", "dispute", "", "supervisor+team"),
        ],
    )
    # Without Twilio settings the policy's SMS go through the generic gateway.
    sms = [record.body for record in loopback.received("/sms")]
    assert [body["to"] for body in sms] == ["+905321234567"] * 3
    assert tn in sms[0]["text"] and agent.pins[tn] in sms[0]["text"]
    assert all(tn in body["text"] and agent.pins[tn] not in body["text"] for body in sms[1:])
    templates = [record.body for record in loopback.received("/v21.0/1555000/messages")]
    assert [body["template"]["name"] for body in templates] == ["complaint_update", "complaint_update"]
    assert all(body["to"] == wa_id and body["template"]["language"]["code"] == "tr" for body in templates)
    assert templates[1]["template"]["components"][0]["parameters"][0]["text"] == tn
    assert "\n" not in templates[1]["template"]["components"][0]["parameters"][1]["text"]
    assert [call["name"] for call in loopback.triggered()] == ["EXTERNAL_decision"]
    history = agent.record(tn)["history"]
    assert [(e["status"], e["actor"]) for e in history if e["actor"] == "customer"] == [
        ("reopened", "customer"),
        ("disputed", "customer"),
    ]


@pytest.mark.parametrize("language", ["ru", "az", "ro", "tr"])
def test_every_text_renders_in_every_language(language: str) -> None:
    from backend.app.notifications.texts import PLACEHOLDERS, load_texts
    from contract.statuses import Language

    texts = load_texts()
    for template in texts.templates:
        rendered = texts.render(template, Language(language), {name: f"<{name}>" for name in PLACEHOLDERS})
        assert rendered.subject and rendered.text
        assert "{" not in rendered.text and "{" not in rendered.subject
