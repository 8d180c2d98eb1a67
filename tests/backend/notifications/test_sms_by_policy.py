"""Issue 22: the notices a policy sends by SMS (Poliser: the registration with the tracking number
and the PIN, the decision), through Twilio's Messages API on a loopback server that speaks it
(tests/support/whatsapp.py: FakeTwilio). The PIN travels sealed in its notification row and is
wiped once the SMS is done with; nothing at rest or in the logs holds it in clear."""

import datetime as dt
import logging
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlmodel import Session, SQLModel, select

from backend.app.core import clock
from backend.app.core.settings import Settings
from backend.app.main import create_app
from backend.app.notifications.models import Notification
from backend.app.notifications.service import NotificationService
from tests.backend.conftest import AGENT_TOKEN, SERVICE_TOKEN, VALID_COMPLAINTS
from tests.backend.notifications.conftest import sender_settings
from tests.support.loopback import LoopbackServer, SmtpSink
from tests.support.whatsapp import FakeTwilio

AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
SID, TOKEN, FROM = "AC" + "5" * 32, "twilio-test-auth-token", "+15005550006"
POLISER_PHONE = "+905321234567"  # VALID_COMPLAINTS["poliser"]["phone"] in E.164
START = dt.datetime(2026, 2, 2, 7, 0, tzinfo=dt.UTC)  # Monday 10:00 in Istanbul


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    server = FakeTwilio(SID, TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sms_app(
    settings: Settings, loopback: LoopbackServer, smtp: SmtpSink, twilio: FakeTwilio, _started: TestClient
) -> Iterator[FastAPI]:
    """The notifications app with Twilio's SMS settings (the generic gateway stays configured:
    Twilio wins when set)."""
    app = create_app(
        sender_settings(
            settings,
            loopback,
            smtp,
            twilio_sms_from=FROM,
            twilio_account_sid=SID,
            twilio_auth_token=SecretStr(TOKEN),
            twilio_api_base_url=twilio.url,
        )
    )
    with TestClient(app):
        yield app


@pytest.fixture
def manual() -> Iterator[clock.ManualClock]:
    manual = clock.ManualClock(START)
    with clock.use(manual):
        yield manual


@pytest.fixture
def sclient(
    client: TestClient, sms_app: FastAPI, loopback: LoopbackServer, twilio: FakeTwilio, manual: clock.ManualClock
) -> TestClient:
    loopback.records.clear()
    loopback.conversations.clear()
    loopback._failures.clear()
    with twilio.lock:
        twilio.requests.clear()
        twilio.refusals.clear()
    return TestClient(sms_app)


def _service(app: FastAPI) -> NotificationService:
    service: NotificationService = app.state.notifications
    return service


def _register(client: TestClient, policy: str = "poliser", **overrides: Any) -> dict[str, Any]:
    """As the action server registers a complaint it gathered in a conversation."""
    body = {**VALID_COMPLAINTS[policy], "policy": policy, **overrides}
    response = client.post(
        "/api/complaints", json=body, headers={**SERVICE, "Idempotency-Key": body["conversation_id"]}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _rows(app: FastAPI, kind: str) -> list[Notification]:
    with Session(app.state.engine) as session:
        return list(session.exec(select(Notification).where(Notification.kind == kind).order_by(Notification.id)).all())


def _sms_row(app: FastAPI, kind: str) -> Notification:
    rows = [row for row in _rows(app, kind) if row.channel == "sms"]
    assert len(rows) == 1, rows
    return rows[0]


def _notification(client: TestClient, tn: str, kind: str, channel: str = "sms") -> dict[str, Any]:
    complaint = client.get(f"/api/complaints/{tn}", headers=AGENT).json()
    found = [n for n in complaint["notifications"] if n["kind"] == kind and n["channel"] == channel]
    assert len(found) == 1, complaint["notifications"]
    return dict(found[0])


@pytest.mark.parametrize("channel", ["rest", "socketio"])
def test_a_poliser_complaint_registered_in_the_chat_sends_one_sms_with_the_number_and_the_pin(
    sclient: TestClient, sms_app: FastAPI, twilio: FakeTwilio, channel: str
) -> None:
    conversation = f"conv-{channel}"
    registered = _register(sclient, conversation_id=conversation, channel=channel)
    tn, pin = registered["tracking_number"], registered["pin"]
    # The action server retrying its request (same Idempotency-Key) plans nothing more.
    again = sclient.post(
        "/api/complaints",
        json={**VALID_COMPLAINTS["poliser"], "policy": "poliser", "conversation_id": conversation, "channel": channel},
        headers={**SERVICE, "Idempotency-Key": conversation},
    )
    assert again.status_code == 200 and again.json()["tracking_number"] == tn

    waiting = _sms_row(sms_app, "registration")
    assert waiting.state == "planned" and waiting.sealed_pin and pin not in waiting.sealed_pin
    assert _service(sms_app).planner.seal.open(waiting.sealed_pin) == pin
    assert waiting.sealed_pin not in sclient.get(f"/api/complaints/{tn}", headers=AGENT).text  # not in the API

    _service(sms_app).dispatcher.run_due()

    sent = twilio.sent(POLISER_PHONE)
    assert len(sent) == 1 and len(twilio.requests) == 1
    assert sent[0]["From"] == FROM
    assert tn in sent[0]["Body"] and f"PIN: {pin}" in sent[0]["Body"]
    assert sent[0]["Body"].startswith("Poliser: şikâyetiniz kaydedildi.")  # the complaint's language (tr)
    assert _sms_row(sms_app, "registration").sealed_pin is None
    notice = _notification(sclient, tn, "registration")
    assert notice["state"] == "sent" and notice["attempt_log"][0]["detail"].startswith("twilio message SM")
    # The chat's own notice: the assistant's reply, recorded as sent at once.
    assert _notification(sclient, tn, "registration", channel)["state"] == "sent"


def test_the_decision_goes_by_sms_too_short_and_without_the_pin(
    sclient: TestClient, sms_app: FastAPI, twilio: FakeTwilio, loopback: LoopbackServer, manual: clock.ManualClock
) -> None:
    loopback.conversation("conv-decision", channel="rest")
    registered = _register(sclient, conversation_id="conv-decision", channel="rest", language="ru")
    tn, pin = registered["tracking_number"], registered["pin"]
    dispatcher = _service(sms_app).dispatcher
    dispatcher.run_due()
    manual.set(START + dt.timedelta(hours=2))
    decision = "Недостающий товар будет отправлен завтра."
    response = sclient.post(
        f"/api/complaints/{tn}/status", json={"status": "resolved", "note": decision}, headers=AGENT
    )
    assert response.status_code == 200, response.text
    dispatcher.run_due()

    bodies = [form["Body"] for form in twilio.sent(POLISER_PHONE)]
    assert len(bodies) == 2
    assert bodies[1].startswith(f"Poliser: по жалобе {tn} принято решение.") and "poliser.com.tr" in bodies[1]
    assert pin not in bodies[1] and decision not in bodies[1]
    assert _notification(sclient, tn, "decision")["state"] == "sent"
    # In the conversation the whole decision, with its buttons.
    assert [call["name"] for call in loopback.triggered()] == ["EXTERNAL_decision"]
    assert _notification(sclient, tn, "decision", "rasa")["state"] == "sent"


def test_a_conversation_gone_falls_back_without_a_second_sms(
    sclient: TestClient, sms_app: FastAPI, twilio: FakeTwilio, manual: clock.ManualClock
) -> None:
    """Rasa no longer has the conversation: the decision's chat row cannot fall back to SMS,
    the policy's SMS row is the customer's one SMS."""
    tn = _register(sclient, conversation_id="conv-gone", channel="rest")["tracking_number"]
    dispatcher = _service(sms_app).dispatcher
    dispatcher.run_due()
    sclient.post(f"/api/complaints/{tn}/status", json={"status": "resolved", "note": "Tamam."}, headers=AGENT)
    dispatcher.run_due()
    assert len(twilio.sent(POLISER_PHONE)) == 2  # registration, decision
    chat = _notification(sclient, tn, "decision", "rasa")
    assert chat["state"] == "failed" and [a["channel"] for a in chat["attempt_log"]] == ["rasa"]


def test_no_sms_for_a_policy_that_does_not_ask_for_it(
    sclient: TestClient, sms_app: FastAPI, twilio: FakeTwilio, loopback: LoopbackServer
) -> None:
    loopback.conversation("conv-eurolux", channel="rest")
    tn = _register(sclient, "eurolux", conversation_id="conv-eurolux")["tracking_number"]
    dispatcher = _service(sms_app).dispatcher
    dispatcher.run_due()
    sclient.post(f"/api/complaints/{tn}/status", json={"status": "resolved", "note": "Pul qaytarıldı."}, headers=AGENT)
    dispatcher.run_due()
    assert twilio.requests == []
    assert [row.channel for row in _rows(sms_app, "registration") + _rows(sms_app, "decision")] == ["rest", "rasa"]
    assert all(row.sealed_pin is None for row in _rows(sms_app, "registration"))


def test_twilio_429_is_retried_after_its_retry_after_and_the_pin_kept_until_then(
    sclient: TestClient, sms_app: FastAPI, twilio: FakeTwilio, manual: clock.ManualClock
) -> None:
    registered = _register(sclient, conversation_id="conv-429", channel="rest")
    tn, pin = registered["tracking_number"], registered["pin"]
    twilio.refuse(429, retry_after=45)
    dispatcher = _service(sms_app).dispatcher
    dispatcher.run_due()

    waiting = _sms_row(sms_app, "registration")
    assert waiting.state == "planned" and waiting.attempts == 1
    assert waiting.last_error == "sms: twilio answered 429 (error 20429)"
    assert waiting.attempt_at == START + dt.timedelta(seconds=45)  # Retry-After beats the first 30 s
    assert waiting.sealed_pin is not None
    manual.set(START + dt.timedelta(seconds=44))
    dispatcher.run_due()
    assert twilio.sent(POLISER_PHONE) == []
    manual.set(START + dt.timedelta(seconds=45))
    dispatcher.run_due()

    sent = twilio.sent(POLISER_PHONE)
    assert len(sent) == 1 and f"PIN: {pin}" in sent[0]["Body"] and tn in sent[0]["Body"]
    assert len(twilio.refused()) == 1
    done = _sms_row(sms_app, "registration")
    assert (done.state, done.attempts, done.sealed_pin) == ("sent", 2, None)


def test_twilio_400_is_permanent_the_pin_is_wiped_and_a_retry_goes_without_it(
    sclient: TestClient, sms_app: FastAPI, twilio: FakeTwilio
) -> None:
    registered = _register(sclient, conversation_id="conv-400", channel="rest")
    tn, pin = registered["tracking_number"], registered["pin"]
    twilio.refuse(400)
    dispatcher = _service(sms_app).dispatcher
    dispatcher.run_due()

    failed = _sms_row(sms_app, "registration")
    assert (failed.state, failed.attempts, failed.sealed_pin) == ("failed", 1, None)
    assert failed.last_error == "sms: twilio answered 400 (error 21211)"
    assert sclient.get(f"/api/complaints/{tn}", headers=AGENT).json()["notification_failed"] is True

    # An agent's retry: the PIN is gone for good, the SMS says where the status is.
    retried = sclient.post(f"/api/complaints/{tn}/notifications/{failed.id}/retry", headers=AGENT)
    assert retried.status_code == 200, retried.text
    dispatcher.run_due()
    sent = twilio.sent(POLISER_PHONE)
    assert len(sent) == 1 and tn in sent[0]["Body"] and pin not in sent[0]["Body"]
    assert "PIN" in sent[0]["Body"]


def test_a_cancelled_sms_loses_its_pin(
    sclient: TestClient, sms_app: FastAPI, twilio: FakeTwilio, admin_headers: dict[str, str]
) -> None:
    """The customer's data erased before the SMS went out: cancelled, and the PIN wiped."""
    registered = _register(sclient, conversation_id="conv-erased", channel="rest")
    assert _sms_row(sms_app, "registration").sealed_pin is not None
    erased = sclient.post("/api/privacy/erase", json={"phone": POLISER_PHONE}, headers=admin_headers)
    assert erased.json()["tracking_numbers"] == [registered["tracking_number"]]
    assert erased.status_code == 200, erased.text
    assert _sms_row(sms_app, "registration").sealed_pin is None
    _service(sms_app).dispatcher.run_due()
    chat, sms = _rows(sms_app, "registration")  # a cancelled row keeps no route
    assert (chat.channel, sms.state, sms.sealed_pin) == ("rest", "cancelled", None)
    assert twilio.requests == []


def _everything_stored(engine: sa.Engine) -> str:
    """Every value of every column of every table, as text."""
    values: list[str] = []
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                values.extend(repr(value) for value in row)
    return "\n".join(values)


def test_nothing_at_rest_and_no_log_holds_the_pin(
    sclient: TestClient,
    sms_app: FastAPI,
    twilio: FakeTwilio,
    loopback: LoopbackServer,
    manual: clock.ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A whole Poliser timeline with a refused first try; then every table and column (and on
    SQLite the database file itself) and every log record are searched for the PIN."""
    caplog.set_level(logging.DEBUG)
    loopback.conversation("conv-rest", channel="rest")
    registered = _register(sclient, conversation_id="conv-rest", channel="rest")
    tn, pin = registered["tracking_number"], registered["pin"]
    dispatcher = _service(sms_app).dispatcher
    twilio.refuse(503)
    dispatcher.run_due()
    manual.set(START + dt.timedelta(minutes=5))
    dispatcher.run_due()
    sclient.post(f"/api/complaints/{tn}/status", json={"status": "resolved", "note": "Tamam."}, headers=AGENT)
    dispatcher.run_due()
    assert any(pin in form["Body"] for form in twilio.sent(POLISER_PHONE))  # it did travel

    engine: sa.Engine = sms_app.state.engine
    stored = _everything_stored(engine)
    assert tn in stored  # the search sees the data
    assert pin not in stored
    if engine.dialect.name == "sqlite":
        with sqlite3.connect(engine.url.database) as connection:  # type: ignore[arg-type]
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert pin.encode() not in open(engine.url.database, "rb").read()  # type: ignore[arg-type]  # noqa: SIM115
    logged = "\n".join(f"{record.getMessage()} {record.args!r}" for record in caplog.records)
    assert tn in logged
    assert pin not in logged
    details = sclient.get(f"/api/complaints/{tn}", headers=AGENT).text
    assert pin not in details
