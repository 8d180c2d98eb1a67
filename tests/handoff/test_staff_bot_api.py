"""The staff Telegram bot (backend/app/staffbot) against the loopback Bot API
(tests/support/telegram.py) and the fake Rasa: the alert's keyboard, linking with a one-time
code, taking a conversation with the button, answering the customer from Telegram through the
console's own flow, the webhook's secret token, and long polling."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlmodel import Session, select

from backend.app.accounts import service as accounts
from backend.app.accounts.models import AgentUpdate
from backend.app.alerts.models import Alert, AlertRecipient
from backend.app.core.models import utcnow
from backend.app.core.settings import Settings
from backend.app.main import create_app
from backend.app.notifications.outgoing import Outgoing, Permanent
from backend.app.staffbot.sender import StaffTelegramSender
from tests.backend.conftest import PASSWORD
from tests.support.telegram import FakeTelegram

STAFF_TOKEN = "7000000001:STAFF-test-token"
SECRET = "staff-webhook-secret-0123456789"
ALICE_CHAT, BOB_CHAT, STRANGER = 6_100_000_001, 6_100_000_002, 6_100_000_099
CONSOLE = "https://console.example.com/agent/#handoff"


@pytest.fixture(scope="module")
def staff_tg() -> Iterator[FakeTelegram]:
    server = FakeTelegram(STAFF_TOKEN).start()
    yield server
    server.stop()


def staff_settings(settings: Settings, staff_tg: FakeTelegram, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "staff_telegram_bot_token": SecretStr(STAFF_TOKEN),
        "staff_telegram_api_base_url": staff_tg.url,
        "staff_telegram_webhook_secret": SecretStr(SECRET),
        **changes,
    }
    return settings.model_copy(update=values)


@pytest.fixture(scope="module")
def bot_client(settings: Settings, staff_tg: FakeTelegram, _started: TestClient) -> Iterator[TestClient]:
    """A backend whose staff bot takes Telegram's webhook (the shared `client` empties tables)."""
    with TestClient(create_app(staff_settings(settings, staff_tg))) as client:
        yield client


def post_update(bot_client: TestClient, update: dict[str, Any], secret: str | None = SECRET) -> Any:
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    return bot_client.post("/api/staff-telegram/webhook", json=update, headers=headers)


def login(bot_client: TestClient, username: str) -> dict[str, str]:
    answer = bot_client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def link(bot_client: TestClient, staff_tg: FakeTelegram, headers: dict[str, str], chat: int) -> None:
    code = bot_client.post("/api/staff-telegram/link-code", headers=headers).json()["code"]
    assert post_update(bot_client, staff_tg.message_update(chat, f"/start {code}")).status_code == 200


def last_text(staff_tg: FakeTelegram, chat: int, mark: int = 0) -> str:
    sent = staff_tg.sent(chat, after=mark)
    assert sent, f"nothing sent to {chat}"
    return str(sent[-1]["text"])


def alert(chat: int, language: str = "ru", **extra: Any) -> Outgoing:
    return Outgoing(
        notification_id=1,
        key=f"alert:{uuid.uuid4().hex}",
        kind="handoff_waiting",
        template="alert",
        language=language,
        tracking_number="",
        subject="",
        text="Клиент ждёт оператора (web chat).",
        rasa_intent="",
        entities={},
        extra={"chat_id": chat, **extra},
    )


def send(sender_settings: Settings, message: Outgoing) -> str:
    async def _send() -> str:
        sender = StaffTelegramSender(sender_settings)
        try:
            return await sender.send(message)
        finally:
            await sender.close()

    return asyncio.run(_send())


@pytest.fixture
def people(client, make_agent, bot_client, staff_tg) -> dict[str, dict[str, str]]:
    """alice (linked to ALICE_CHAT) and bob (linked to BOB_CHAT); their console logins."""
    make_agent("alice")
    make_agent("bob")
    headers = {name: login(bot_client, name) for name in ("alice", "bob")}
    link(bot_client, staff_tg, headers["alice"], ALICE_CHAT)
    link(bot_client, staff_tg, headers["bob"], BOB_CHAT)
    return headers


def test_the_alert_carries_take_open_and_snooze_in_the_agents_language(settings, staff_tg):
    mark = len(staff_tg.requests)
    message_id = send(
        staff_settings(settings, staff_tg), alert(ALICE_CHAT, "tr", handoff_id=17, console_url=CONSOLE, alert_id=5)
    )
    (sent,) = staff_tg.sent(ALICE_CHAT, after=mark)
    assert message_id.isdigit() and staff_tg.messages[(ALICE_CHAT, int(message_id))]["text"] == sent["text"]
    assert sent["text"] == "Клиент ждёт оператора (web chat)."
    (row,) = sent["reply_markup"]["inline_keyboard"]
    assert [(b["text"], b.get("callback_data"), b.get("url")) for b in row] == [
        ("Üstlen", "take:17", None),
        ("Konsolda aç", None, CONSOLE),
        ("1 saat ertele", "snooze:5", None),
    ]
    # A complaint's alert: take assigns the complaint; no alert id, no snooze.
    mark = len(staff_tg.requests)
    send(staff_settings(settings, staff_tg), alert(ALICE_CHAT, "en", complaint_id=9))
    (sent,) = staff_tg.sent(ALICE_CHAT, after=mark)
    assert sent["reply_markup"]["inline_keyboard"] == [[{"text": "Take", "callback_data": "assign:9"}]]


def test_no_chat_or_no_token_is_permanent(settings, staff_tg):
    with pytest.raises(Permanent):
        send(staff_settings(settings, staff_tg), alert(None))  # type: ignore[arg-type]
    with pytest.raises(Permanent):  # the bot is off: no staff_telegram route at all
        StaffTelegramSender(staff_settings(settings, staff_tg, staff_telegram_bot_token=None))
    # Telegram refuses (a chat that blocked the bot: 403): this route cannot deliver it.
    staff_tg.blocked.add(STRANGER)
    try:
        with pytest.raises(Permanent):
            send(staff_settings(settings, staff_tg), alert(STRANGER))
    finally:
        staff_tg.blocked.discard(STRANGER)


def test_link_code_valid_reused_and_unknown(client, make_agent, bot_client, staff_tg):
    make_agent("alice")
    headers = login(bot_client, "alice")
    assert bot_client.get("/api/staff-telegram/link", headers=headers).json()["linked"] is False
    issued = bot_client.post("/api/staff-telegram/link-code", headers=headers)
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["command"] == f"/start {body['code']}"
    assert body["deep_link"] == f"https://t.me/complaints_test_bot?start={body['code']}"

    mark = len(staff_tg.requests)
    post_update(bot_client, staff_tg.message_update(ALICE_CHAT, f"/start {body['code']}", language_code="ro"))
    assert last_text(staff_tg, ALICE_CHAT, mark).startswith("Conectat: Alice.")
    status = bot_client.get("/api/staff-telegram/link", headers=headers).json()
    assert status["linked"] is True and status["enabled"] is True

    # Reused, from another chat: refused clearly, and nothing moves.
    mark = len(staff_tg.requests)
    post_update(bot_client, staff_tg.message_update(STRANGER, f"/start {body['code']}", language_code="ru"))
    assert last_text(staff_tg, STRANGER, mark).startswith("Код неизвестен, истёк или уже использован")
    post_update(bot_client, staff_tg.message_update(STRANGER, "/start NOPE2345", language_code="en"))
    assert last_text(staff_tg, STRANGER, mark).startswith("This code is unknown, expired or already used")
    # A stranger's text is not served.
    post_update(bot_client, staff_tg.message_update(STRANGER, "hello", language_code="az"))
    assert "aktiv operator hesabına qoşulmayıb" in last_text(staff_tg, STRANGER, mark)

    assert bot_client.delete("/api/staff-telegram/link", headers=headers).status_code == 204
    assert bot_client.get("/api/staff-telegram/link", headers=headers).json()["linked"] is False


def test_the_webhook_wants_the_secret_token(client, bot_client, staff_tg):
    update = staff_tg.message_update(STRANGER, "/start")
    assert post_update(bot_client, update, secret=None).status_code == 403
    assert post_update(bot_client, update, secret="wrong").status_code == 403
    assert post_update(bot_client, update).status_code == 200


def test_take_with_the_button_then_answer_from_telegram(
    client, handoff_request, people, bot_client, staff_tg, settings, fake_rasa
):
    conversation = f"conv-{uuid.uuid4().hex[:12]}"
    handoff = handoff_request(conversation).json()
    message_id = int(send(staff_settings(settings, staff_tg), alert(ALICE_CHAT, handoff_id=handoff["id"])))
    send(staff_settings(settings, staff_tg), alert(BOB_CHAT, handoff_id=handoff["id"]))
    the_alert = staff_tg.messages[(ALICE_CHAT, message_id)]

    mark = len(staff_tg.requests)
    press = staff_tg.callback_update(ALICE_CHAT, f"take:{handoff['id']}", message=dict(the_alert))
    assert post_update(bot_client, press).status_code == 200
    taken = client.get(f"/api/handoffs/{handoff['id']}", headers=people["alice"]).json()
    assert taken["status"] == "active" and taken["agent_username"] == "alice"
    (answered,) = staff_tg.calls("answerCallbackQuery")[-1:]
    assert answered["text"].startswith("Вы взяли разговор")
    edited = staff_tg.messages[(ALICE_CHAT, message_id)]
    assert edited["text"].endswith("✓ Взял(а): Alice")
    assert edited["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == f"taken:{handoff['id']}"

    # Bob was slower: he is told who has it, and it stays with Alice.
    bob_alert = staff_tg.sent(BOB_CHAT, after=0)[-1]
    bob_message = next(
        m for (chat, _), m in staff_tg.messages.items() if chat == BOB_CHAT and m["text"] == bob_alert["text"]
    )
    post_update(bot_client, staff_tg.callback_update(BOB_CHAT, f"take:{handoff['id']}", message=dict(bob_message)))
    assert staff_tg.calls("answerCallbackQuery")[-1]["text"] == "Взял(а): Alice"
    assert client.get(f"/api/handoffs/{handoff['id']}", headers=people["bob"]).json()["agent_username"] == "alice"

    # Alice answers by replying to the alert: the console's flow, into the customer's channel.
    rasa_mark = fake_rasa.mark()
    reply = staff_tg.message_update(ALICE_CHAT, "Здравствуйте, я Алиса.", reply_to_message=dict(edited))
    assert post_update(bot_client, reply).status_code == 200
    (call,) = [c for c in fake_rasa.requests[rasa_mark:] if c["conversation_id"] == conversation]
    assert call["kind"] == "tracker/events" and call["query"]["output_channel"] == "latest"
    (event,) = call["json"]
    assert event["text"] == "Здравствуйте, я Алиса." and event["metadata"]["agent"] == "Alice"
    transcript = client.get(f"/api/handoffs/{handoff['id']}/messages", headers=people["alice"]).json()
    assert [(m["role"], m["agent_username"], m["text"]) for m in transcript] == [
        ("agent", "alice", "Здравствуйте, я Алиса.")
    ]
    assert last_text(staff_tg, ALICE_CHAT, mark) == "Отправлено клиенту."

    # Without a reply, or replying to the bot's "sent": the one conversation she has.
    post_update(bot_client, staff_tg.message_update(ALICE_CHAT, "Чем могу помочь?"))
    confirmation = next(
        m
        for (chat, _), m in reversed(staff_tg.messages.items())
        if chat == ALICE_CHAT and m["text"] == "Отправлено клиенту."
    )
    post_update(bot_client, staff_tg.message_update(ALICE_CHAT, "Я на связи.", reply_to_message=dict(confirmation)))
    assert [c["json"][0]["text"] for c in fake_rasa.requests[rasa_mark:] if c["conversation_id"] == conversation] == [
        "Здравствуйте, я Алиса.",
        "Чем могу помочь?",
        "Я на связи.",
    ]
    # Bob holds nothing: he is asked which conversation he means, and nothing is sent.
    before = len(fake_rasa.requests)
    post_update(bot_client, staff_tg.message_update(BOB_CHAT, "Алло?"))
    assert last_text(staff_tg, BOB_CHAT).startswith("Ответьте на оповещение нужного разговора")
    # Bob replying to Alice's conversation's alert is refused as in the console (not his).
    post_update(bot_client, staff_tg.message_update(BOB_CHAT, "Алло?", reply_to_message=dict(edited)))
    assert last_text(staff_tg, BOB_CHAT) == "Взял(а): Alice"
    assert len([c for c in fake_rasa.requests[before:] if c["conversation_id"] == conversation]) == 0


def test_a_deactivated_agent_is_not_served(client, people, bot_client, staff_tg, handoff_request):
    with Session(bot_client.app.state.engine) as session:
        bob = accounts.get_agent_by_username(session=session, username="bob")
        accounts.update_agent(session=session, agent=bob, agent_in=AgentUpdate(is_active=False), now=utcnow())
    handoff = handoff_request(f"conv-{uuid.uuid4().hex[:12]}").json()
    post_update(bot_client, staff_tg.callback_update(BOB_CHAT, f"take:{handoff['id']}", language_code="en"))
    assert staff_tg.calls("answerCallbackQuery")[-1]["text"].startswith("This chat is not linked to an active agent")
    assert client.get(f"/api/handoffs/{handoff['id']}", headers=people["alice"]).json()["status"] == "waiting"


def test_long_polling_serves_the_bot(client, make_agent, settings, staff_tg, _started):
    make_agent("carol")
    app = create_app(staff_settings(settings, staff_tg, staff_telegram_webhook_secret=None))
    with TestClient(app) as polling:
        headers = login(polling, "carol")
        code = polling.post("/api/staff-telegram/link-code", headers=headers).json()["code"]
        mark = len(staff_tg.requests)
        staff_tg.queue_update(staff_tg.message_update(ALICE_CHAT, f"/start {code}", language_code="en"))
        deadline = time.monotonic() + 10
        while not staff_tg.sent(ALICE_CHAT, after=mark) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert last_text(staff_tg, ALICE_CHAT, mark).startswith("Linked: Carol.")
        assert polling.get("/api/staff-telegram/link", headers=headers).json()["linked"] is True
        # The webhook route is not open in polling mode.
        assert post_update(polling, staff_tg.message_update(ALICE_CHAT, "/start")).status_code == 404


def test_snooze_hides_the_agents_copy_for_an_hour(client, handoff_request, people, bot_client, staff_tg):
    """The alert's snooze button: alerts.service.snooze as that agent (their console copy)."""
    handoff = handoff_request(f"conv-{uuid.uuid4().hex[:12]}").json()
    engine = bot_client.app.state.engine
    now = utcnow()
    with Session(engine) as session:
        alice = accounts.get_agent_by_username(session=session, username="alice")
        alert_row = session.exec(select(Alert).where(Alert.handoff_id == handoff["id"])).first()
        assert alert_row is not None, "a waiting handoff plans its alert"
        # What the dispatcher writes when it delivered the alert to Alice.
        session.add(
            AlertRecipient(
                alert_id=alert_row.id,
                agent_id=alice.id,
                reason="team",
                created_at=now,
                language="ru",
                title="Клиент ждёт",
                text="Клиент ждёт оператора",
                routes=[],
            )
        )
        session.commit()
        alert_id = alert_row.id
    mark = len(staff_tg.requests)
    post_update(bot_client, staff_tg.callback_update(ALICE_CHAT, f"snooze:{alert_id}", language_code="en"))
    answered = [r["params"] for r in staff_tg.requests[mark:] if r.get("method") == "answerCallbackQuery"]
    assert answered and answered[-1]["text"].startswith("Snoozed until")
    with Session(engine) as session:
        copy = session.exec(select(AlertRecipient).where(AlertRecipient.alert_id == alert_id)).one()
        assert copy.snoozed_until is not None
        assert dt.timedelta(minutes=59) < copy.snoozed_until - now < dt.timedelta(minutes=61)
    # Bob has no copy of it: nothing of his to snooze.
    post_update(bot_client, staff_tg.callback_update(BOB_CHAT, f"snooze:{alert_id}", language_code="en"))
    assert staff_tg.calls("answerCallbackQuery")[-1]["text"] == "This alert is no longer current."


def test_the_console_has_the_telegram_page(client, bot_client):
    page = bot_client.get("/agent?lang=az")
    assert page.status_code == 200 and 'id="telegram-open"' in page.text and 'id="telegram-panel"' in page.text
    script = bot_client.get("/agent/telegram.js")
    assert script.status_code == 200 and "/api/staff-telegram/link-code" in script.text
    assert "innerHTML" not in script.text
    # Without the bot, the status says so and no code is issued.
    assert client.get("/api/staff-telegram/link", headers={"Authorization": "Bearer test-agent-token"}).json() == {
        "enabled": False,
        "linked": False,
        "username": None,
        "linked_at": None,
        "bot_username": None,
    }
    assert (
        client.post("/api/staff-telegram/link-code", headers={"Authorization": "Bearer test-agent-token"}).status_code
        == 409
    )
