"""Issue 23's Must-show, with the three real processes and the trained model: a customer asks
for a person on the web chat; the linked agent of the policy's handoff team gets the staff
bot's alert (loopback Bot API) within 2 s of the handoff, presses "take", answers from
Telegram, and the customer's web chat shows the answer; the console shows the conversation as
taken by that agent, with the answer in its transcript as theirs.

The customer is a socket.io client speaking as rasa-webchat does; the staff bot takes
Telegram's webhook (the updates an agent's Telegram would send are posted to the backend)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import socketio

from bot.channels.webchat_sessions import sender_of  # the page keeps the signed token
from tests.handoff.handoff_stack import create_agents, open_handoff, rasa_paused, start_stack, wait_for
from tests.support.telegram import FakeTelegram

pytestmark = pytest.mark.integration

STAFF_TOKEN = "7000000003:STAFF-e2e-token-for-the-fake"
STAFF_SECRET = "staff-e2e-secret-0123456789"
AGENT_CHAT = 6_200_000_001
ANSWER = "Здравствуйте, я Лале из службы поддержки. Чем могу помочь?"
QUIET = 3.0


@pytest.fixture(scope="module")
def staff_tg() -> Iterator[FakeTelegram]:
    server = FakeTelegram(STAFF_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def staff_stack(tmp_path_factory, telegram, staff_tg):
    stack = start_stack(
        tmp_path_factory.mktemp("staff-bot-stack"),
        telegram,
        STAFF_TELEGRAM_BOT_TOKEN=STAFF_TOKEN,
        STAFF_TELEGRAM_API_BASE_URL=staff_tg.url,
        STAFF_TELEGRAM_WEBHOOK_SECRET=STAFF_SECRET,
    )
    try:
        yield stack
    finally:
        stack.stop_all()


class Page:
    """The chat page: one socket.io connection, as rasa-webchat makes it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.messages: asyncio.Queue = asyncio.Queue()
        self.confirms: asyncio.Queue = asyncio.Queue()
        self.sio.on("bot_uttered", self.messages.put_nowait)
        self.sio.on("session_confirm", self.confirms.put_nowait)

    async def open(self) -> str:
        await self.sio.connect(self.url, socketio_path="/socket.io", transports=["websocket"])
        await self.sio.emit("session_request", {"session_id": None})
        confirm = await asyncio.wait_for(self.confirms.get(), 15)
        return confirm["session_id"] if isinstance(confirm, dict) else confirm

    async def say(self, text: str, token: str) -> list[dict]:
        await self.sio.emit("user_uttered", {"message": text, "session_id": token, "customData": {"language": "ru"}})
        first = await asyncio.wait_for(self.messages.get(), 90)
        return [first, *await self.rest()]

    async def rest(self, quiet: float = QUIET) -> list[dict]:
        got = []
        while True:
            try:
                got.append(await asyncio.wait_for(self.messages.get(), quiet))
            except asyncio.TimeoutError:
                return got

    async def wait_text(self, text: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"the web chat did not show {text!r}"
            message = await asyncio.wait_for(self.messages.get(), left)
            if message.get("text") == text:
                return message


def post_update(stack, update: dict[str, Any]) -> None:
    answer = httpx.post(
        f"{stack.backend_url}/api/staff-telegram/webhook",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": STAFF_SECRET},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text


def handoff_team(stack, headers) -> dict[str, Any]:
    teams = httpx.get(f"{stack.backend_url}/api/teams", params={"policy": "eurolux"}, headers=headers, timeout=10)
    return next(team for team in teams.json() if team["handoff"])


def take_button(message: dict[str, Any]) -> str:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for key in row:
            if (key.get("callback_data") or "").startswith("take:"):
                return str(key["callback_data"])
    raise AssertionError(f"no take button in {message}")


def test_a_web_chat_customer_is_answered_from_the_staff_bot(staff_stack, staff_tg):
    s = staff_stack
    people = create_agents(s, "root", "lale")
    # The admin puts Lale in the policy's handoff team; she links her Telegram from the console.
    team = handoff_team(s, people["root"])
    added = httpx.put(f"{s.backend_url}/api/teams/{team['id']}/members/lale", headers=people["root"], timeout=10)
    assert added.status_code in (200, 201), added.text
    code = httpx.post(f"{s.backend_url}/api/staff-telegram/link-code", headers=people["lale"], timeout=10)
    assert code.status_code == 201, code.text
    mark = staff_tg.mark()
    post_update(s, staff_tg.message_update(AGENT_CHAT, code.json()["command"], language_code="ru"))
    assert staff_tg.sent(AGENT_CHAT, after=mark)[-1]["text"].startswith("Подключено: Lale.")

    async def journey() -> None:
        page = Page(s.rasa_url)
        token = await page.open()
        try:
            await page.say("Здравствуйте", token)
            alerts_mark = staff_tg.mark()
            await page.say("оператор", token)
            waiting = open_handoff(s, people["lale"], sender_of(token))
            conversation = waiting["conversation_id"]

            # The alert: in Lale's Telegram within 2 s of the handoff (the Bot API's clock of the
            # call against the backend's of the request), with its take button.
            def alert() -> dict[str, Any] | None:
                calls = [
                    r
                    for r in staff_tg.requests[alerts_mark:]
                    if r.get("method") == "sendMessage"
                    and str(r["params"].get("chat_id")) == str(AGENT_CHAT)
                    and r["params"].get("reply_markup")
                ]
                return calls[0] if calls else None

            call = wait_for(alert, 10, 0.02, "the staff bot's alert")
            got = call["params"]
            created = dt.datetime.fromisoformat(waiting["requested_at"].replace("Z", "+00:00"))
            delay = call["at"] - created.timestamp()
            assert 0 <= delay < 2.0, delay
            data = take_button(got)
            assert data == f"take:{waiting['id']}"
            sent_message = next(
                m
                for (chat, _), m in staff_tg.messages.items()
                if chat == AGENT_CHAT and m.get("reply_markup") == got["reply_markup"]
            )

            # Take.
            post_update(s, staff_tg.callback_update(AGENT_CHAT, data, message=dict(sent_message)))
            assert staff_tg.calls("answerCallbackQuery")[-1]["text"].startswith("Вы взяли разговор")
            edited = staff_tg.messages[(AGENT_CHAT, sent_message["message_id"])]
            assert "✓ Взял(а): Lale" in edited["text"]
            wait_for(lambda: rasa_paused(s, conversation), 10, 0.2, "the conversation paused in rasa")

            # Answer from Telegram: the customer's web chat shows it.
            post_update(s, staff_tg.message_update(AGENT_CHAT, ANSWER, reply_to_message=dict(edited)))
            shown = await page.wait_text(ANSWER, 15)
            assert shown["text"] == ANSWER

            # The console: taken by Lale, her answer in the transcript as hers, delivered.
            handoff = httpx.get(f"{s.backend_url}/api/handoffs/{waiting['id']}", headers=people["root"], timeout=10)
            assert handoff.json()["status"] == "active" and handoff.json()["agent_username"] == "lale"
            transcript = httpx.get(
                f"{s.backend_url}/api/handoffs/{waiting['id']}/messages", headers=people["root"], timeout=10
            ).json()
            mine = [m for m in transcript if m["role"] == "agent"]
            assert [(m["agent_username"], m["text"]) for m in mine] == [("lale", ANSWER)]
            assert mine[0]["delivered_at"] is not None
        finally:
            await page.sio.disconnect()

    asyncio.run(journey())
