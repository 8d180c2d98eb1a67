"""Delivery of alerts: nothing counts as sent unless a person's channel took it (an alert
nobody can receive is failed and shows in the failed views), one alert per event however
many planners and dispatchers, e-mail to each person in their language, the console inbox
(read, snooze) and a waiting handoff's alert."""

import threading
from collections.abc import Callable
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.app.alerts import planner
from backend.app.alerts.models import Alert, AlertRecipient
from backend.app.complaints.models import Complaint
from backend.app.core import clock
from backend.app.notifications.dispatcher import Dispatcher
from backend.app.notifications.senders import Senders
from backend.app.notifications.service import NotificationService
from tests.backend.alerts.conftest import Timeline, received, states
from tests.backend.conftest import AGENT_TOKEN, SERVICE_TOKEN, VALID_COMPLAINTS
from tests.support.loopback import SmtpSink

ISTANBUL = ZoneInfo("Europe/Istanbul")
AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


def _register(client: TestClient, policy: str = "poliser", **more: object) -> str:
    body = {**VALID_COMPLAINTS[policy], "policy": policy, **more}
    response = client.post("/api/complaints", json=body, headers=SERVICE)
    assert response.status_code == 201, response.text
    return str(response.json()["tracking_number"])


def test_an_alert_nobody_can_receive_is_failed_not_sent(
    nclient: TestClient,
    engine: sa.Engine,
    timeline: Callable[..., Timeline],
    make_agent: Callable[..., object],
    join: Callable[..., None],
) -> None:
    """No one in the team, no supervisor (an inactive one does not count): the alert is failed,
    no person's copy exists, the complaint is in the failed view and the alert in the list of
    alerts nobody received."""
    line = timeline(ISTANBUL, "02.02 10:00")
    make_agent("sup.gone", role="supervisor", active=False)
    tn = _register(nclient)
    line.at("05.02 10:00")
    assert received(engine) == []
    found = states(engine)
    assert found[("deadline_due_soon", "acknowledge_by")] == "failed"
    assert found[("deadline_breached", "acknowledge_by")] == "failed"
    assert "sent" not in found.values()
    with Session(engine) as session:
        alert = session.exec(
            select(Alert).where(Alert.kind == "deadline_breached", Alert.deadline == "acknowledge_by")
        ).one()
        assert alert.sent_at is None and "no reachable recipient" in (alert.last_error or "")
    assert nclient.get(f"/api/complaints/{tn}", headers=AGENT).json()["notification_failed"] is True
    failed_view = nclient.get("/api/complaints", params={"view": "failed_notifications"}, headers=AGENT).json()
    assert tn in str(failed_view)
    failed = nclient.get("/api/alerts/failed", headers=AGENT).json()
    assert {(a["kind"], a["deadline"], a["tracking_number"]) for a in failed} == {
        ("deadline_due_soon", "acknowledge_by", tn),
        ("deadline_breached", "acknowledge_by", tn),
    }

    # Someone joins the team; an agent tries the failed alerts again: the breach reaches them,
    # the due-soon alert is no longer wanted (its deadline passed), the complaint leaves the view.
    join(make_agent("ayse"), "poliser", "customer_support")
    for alert in failed:
        assert nclient.post(f"/api/alerts/failed/{alert['id']}/retry", headers=AGENT).status_code == 200
    assert nclient.get(f"/api/complaints/{tn}", headers=AGENT).json()["notification_failed"] is False
    line.at("05.02 10:01")
    assert received(engine) == [("deadline_breached", "acknowledge_by", "ayse", "team")]
    assert states(engine)[("deadline_due_soon", "acknowledge_by")] == "cancelled"
    assert nclient.post(f"/api/alerts/failed/{failed[0]['id']}/retry", headers=AGENT).status_code == 409
    assert nclient.get("/api/alerts/failed", headers=AGENT).json() == []


def test_no_sender_reports_success_without_delivering() -> None:
    """Every route there is, the staff's included, refuses a message it has nowhere to deliver
    (no conversation, address, phone or chat): none answers "sent" for nothing, as the console
    route did ("shown on the agents' list")."""
    from pydantic import SecretStr

    from backend.app.core.settings import Settings
    from backend.app.notifications import senders
    from backend.app.notifications.outgoing import Outgoing, SendError

    assert not hasattr(senders, "ConsoleSender")
    settings = Settings(_env_file=None, staff_telegram_bot_token=SecretStr("1:staff"))  # type: ignore[call-arg]
    message = Outgoing(
        notification_id=1,
        key="k",
        kind="deadline_breached",
        template="t",
        language="tr",
        tracking_number="",
        subject="s",
        text="t",
        rasa_intent="",
        entities={},
    )

    async def each_route() -> dict[str, str]:
        routes = Senders(settings)
        outcomes = {}
        try:
            for route, sender in routes.by_route.items():
                try:
                    outcomes[route] = f"sent: {await sender.send(message)}"
                except SendError as exc:
                    outcomes[route] = f"refused: {exc}"
        finally:
            await routes.close()
        return outcomes

    import asyncio

    outcomes = asyncio.run(each_route())
    assert "console" not in outcomes and {"staff_email", "staff_telegram"} <= set(outcomes)
    assert all(outcome.startswith("refused") for outcome in outcomes.values()), outcomes


def test_two_planners_and_two_dispatchers_make_and_send_one_alert(
    nclient: TestClient,
    notify_app: FastAPI,
    engine: sa.Engine,
    service: NotificationService,
    timeline: Callable[..., Timeline],
    make_agent: Callable[..., object],
    join: Callable[..., None],
) -> None:
    line = timeline(ISTANBUL, "02.02 10:00")
    join(make_agent("ayse"), "poliser", "customer_support")
    _register(nclient)
    settings = notify_app.state.settings
    policy = notify_app.state.policies["poliser"]
    # A second process plans the same complaint's alerts again: the keys make them the same rows.
    with Session(engine) as session:
        complaint = session.exec(select(Complaint)).one()
        complaint_id = complaint.id
        added = planner.replan(session, complaint, policy, settings, now=clock.now())
        session.commit()
    assert added == []
    with Session(engine) as session:
        first = planner.insert(
            session,
            [
                planner._row(
                    key="dispute:c1:9",
                    kind=planner.AlertKind.dispute,
                    policy="poliser",
                    now=clock.now(),
                    complaint_id=complaint_id,
                )
            ],
        )
        second = planner.insert(
            session,
            [
                planner._row(
                    key="dispute:c1:9",
                    kind=planner.AlertKind.dispute,
                    policy="poliser",
                    now=clock.now(),
                    complaint_id=complaint_id,
                )
            ],
        )
        session.execute(sa.delete(Alert).where(Alert.key == "dispute:c1:9"))
        session.commit()
    assert (first, second) == (1, 0)
    with Session(engine) as session:
        assert session.exec(select(sa.func.count()).select_from(Alert)).one() == 6  # 3 deadlines x (soon, breached)

    other = Dispatcher(engine, settings, notify_app.state.policies, service.planner)
    try:
        for moment in ("04.02 09:30", "05.02 10:00"):
            line.clock.set(line.moment(moment))
            threads = [threading.Thread(target=dispatcher.run_due) for dispatcher in (service.dispatcher, other)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        other.stop()
    assert received(engine) == [
        ("deadline_due_soon", "acknowledge_by", "ayse", "team"),
        ("deadline_breached", "acknowledge_by", "ayse", "team"),
    ]
    with Session(engine) as session:
        sent = session.exec(select(Alert).where(Alert.state == "sent")).all()
        assert sorted(a.attempts for a in sent) == [1, 1]


def test_email_to_each_person_in_their_language(
    nclient: TestClient,
    engine: sa.Engine,
    smtp: SmtpSink,
    timeline: Callable[..., Timeline],
    make_agent: Callable[..., object],
    join: Callable[..., None],
    set_email: Callable[..., None],
) -> None:
    line = timeline(ISTANBUL, "02.02 10:00")
    ayse, ivan = make_agent("ayse"), make_agent("ivan")
    for agent in (ayse, ivan, make_agent("no.mail")):
        join(agent, "poliser", "customer_support")
    set_email(ayse, "ayse@example.com")  # no language of her own: the policy's (tr)
    set_email(ivan, "ivan@example.com", "ru")
    tn = _register(nclient)
    line.at("04.02 09:30")
    letters = {m["To"]: m for m in smtp.messages}
    assert set(letters) == {"ayse@example.com", "ivan@example.com"}
    assert letters["ayse@example.com"]["Subject"] == "Süre yaklaşıyor: Alındı onayı"
    assert letters["ivan@example.com"]["Subject"] == "Скоро срок: Подтверждение получения"
    body = letters["ivan@example.com"].get_content()
    assert tn in body and "4 февраля 2026" in body and f"/agent#/complaint/{tn}" in body
    assert letters["ayse@example.com"]["Message-ID"] != letters["ivan@example.com"]["Message-ID"]
    with Session(engine) as session:
        routes = {r.agent_id: [x["route"] for x in r.routes] for r in session.exec(select(AlertRecipient)).all()}
    assert sorted(routes.values()) == [["console"], ["console", "staff_email"], ["console", "staff_email"]]


def test_inbox_read_and_snooze(
    nclient: TestClient,
    engine: sa.Engine,
    timeline: Callable[..., Timeline],
    make_agent: Callable[..., object],
    join: Callable[..., None],
    login: Callable[..., dict[str, str]],
) -> None:
    line = timeline(ISTANBUL, "02.02 10:00")
    join(make_agent("ayse"), "poliser", "customer_support")
    join(make_agent("ivan"), "poliser", "customer_support")
    tn = _register(nclient)
    line.at("04.02 09:30")
    ayse, ivan = login("ayse"), login("ivan")
    mine = nclient.get("/api/alerts", headers=ayse).json()
    assert [(a["kind"], a["tracking_number"], a["reason"]) for a in mine] == [("deadline_due_soon", tn, "team")]
    assert mine[0]["title"] == "Süre yaklaşıyor: Alındı onayı"
    alert_id = mine[0]["id"]
    assert nclient.post(f"/api/alerts/{alert_id}/read", headers=ivan).status_code == 404  # not hers... his
    assert nclient.post(f"/api/alerts/{alert_id}/read", headers=ayse).json()["read_at"] is not None
    assert nclient.get("/api/alerts", headers=ayse).json() == []
    assert len(nclient.get("/api/alerts", headers=ayse, params={"include_read": True}).json()) == 1
    theirs = nclient.get("/api/alerts", headers=ivan).json()[0]["id"]
    snoozed = nclient.post(f"/api/alerts/{theirs}/snooze", json={"minutes": 30}, headers=ivan)
    assert snoozed.status_code == 200 and snoozed.json()["snoozed_until"] is not None
    assert nclient.get("/api/alerts", headers=ivan).json() == []
    line.clock.advance(minutes=31)
    assert [a["id"] for a in nclient.get("/api/alerts", headers=ivan).json()] == [theirs]
    assert nclient.post(f"/api/alerts/{theirs}/snooze", json={"minutes": 0}, headers=ivan).status_code == 422
    assert nclient.get("/api/alerts", headers=AGENT).status_code == 400  # the built-in token has no inbox


def test_a_waiting_handoff_alerts_the_handoff_team(
    nclient: TestClient,
    engine: sa.Engine,
    service: NotificationService,
    make_agent: Callable[..., object],
    join: Callable[..., None],
    login: Callable[..., dict[str, str]],
) -> None:
    join(make_agent("ayse"), "poliser", "customer_support")
    join(make_agent("tarik"), "poliser", "technical")
    response = nclient.post(
        "/api/handoffs",
        json={"conversation_id": "wa:905320000001", "channel": "whatsapp", "language": "tr", "policy": "poliser"},
        headers=SERVICE,
    )
    assert response.status_code == 201, response.text
    service.dispatcher.run_due()
    assert received(engine) == [("handoff_waiting", None, "ayse", "team")]
    alert = nclient.get("/api/alerts", headers=login("ayse")).json()[0]
    assert alert["handoff_id"] == response.json()["id"] and alert["title"] == "Bir müşteri temsilci bekliyor"
    # Asked again while it waits: the same handoff, no second alert.
    nclient.post(
        "/api/handoffs",
        json={"conversation_id": "wa:905320000001", "channel": "whatsapp", "language": "tr", "policy": "poliser"},
        headers=SERVICE,
    )
    service.dispatcher.run_due()
    assert len(received(engine)) == 1
