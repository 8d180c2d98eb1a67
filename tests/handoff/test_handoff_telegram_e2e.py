"""A customer on Telegram asks for a person half way through a complaint; an agent takes the
conversation (the customer's messages reach the console's websocket within a second), writes
to them (Rasa sends it through the Telegram channel to the Bot API fake), passes it to a
colleague, and returns it to the bot, which asks its question again; the customer finishes
the complaint, and its transcript keeps everybody's messages."""

from __future__ import annotations

import json
import random
import re
import time

import httpx
import pytest
from websockets.sync.client import connect

from tests.handoff.handoff_stack import TELEGRAM_SECRET, open_handoff, rasa_paused, wait_for

TRACKING = r"\b[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}\b"


def post_update(stack, update) -> None:
    r = httpx.post(
        f"{stack.rasa_url}/webhooks/telegram/webhook",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        timeout=60,
    )
    assert r.status_code == 200, r.text


def say(stack, tg, chat: int, text: str) -> list[dict]:
    mark = tg.mark()
    post_update(stack, tg.message_update(chat, text))
    return tg.sent(chat, after=mark)


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def button(replies: list[dict], title: str) -> str:
    for reply in replies:
        for row in (reply.get("reply_markup") or {}).get("inline_keyboard", []):
            for key in row:
                if key["text"] == title:
                    return key["callback_data"]
    raise AssertionError(f"no button {title!r} in {replies}")


class Console:
    """The agent console's websocket, as the browser uses it."""

    def __init__(self, stack, headers: dict[str, str]) -> None:
        url = stack.backend_url.replace("http://", "ws://") + "/api/console/ws"
        self.ws = connect(url, open_timeout=10)
        self.ws.send(json.dumps({"type": "auth", "token": headers["Authorization"].split()[1]}))
        assert json.loads(self.ws.recv(timeout=10))["type"] == "hello"

    def next_message(self, predicate, timeout: float = 10) -> tuple[dict, float]:
        """The first pushed message matching `predicate`, and when it arrived (perf_counter)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no such message on the console's feed")
            data = json.loads(self.ws.recv(timeout=left))
            if data["type"] != "messages":
                continue
            for message in data["messages"]:
                if predicate(message):
                    return message, time.perf_counter()

    def close(self) -> None:
        self.ws.close()


def test_handoff_over_telegram(handoff_stack, telegram, e2e_agents):
    s, tg, agents = handoff_stack, telegram, e2e_agents
    chat = random.randint(10**8, 10**9)
    conversation = f"tg:{chat}"

    assert say(s, tg, chat, "/start")
    assert say(s, tg, chat, "Хочу оставить жалобу на магазин")
    say(s, tg, chat, "Мамедова Лейла Рашидовна")
    assert s.tracker(conversation)["slots"]["requested_slot"] == "phone"

    # The customer asks for a person: the bot says a person will answer, and pauses.
    replies = say(s, tg, chat, "позовите оператора")
    assert "сотрудник" in texts(replies).lower(), texts(replies)
    assert rasa_paused(s, conversation)
    handoff = open_handoff(s, agents["alice"], conversation)
    assert handoff["status"] == "waiting" and handoff["channel"] == "telegram" and handoff["language"] == "ru"
    assert handoff["customer_name"] == "Мамедова Лейла Рашидовна" and handoff["reason"] == "requested"
    url = f"{s.backend_url}/api/handoffs/{handoff['id']}"
    card = httpx.get(url, headers=agents["alice"], timeout=10).json()
    assert card["slots"]["requested_slot"] == "phone" and card["bot_paused"] is True

    console = Console(s, agents["alice"])
    try:
        # Two agents press "take" at once: one of them gets it.
        with httpx.Client(timeout=10) as http:
            first = http.post(f"{url}/take", headers=agents["alice"])
            second = http.post(f"{url}/take", headers=agents["bob"])
        assert first.status_code == 200 and second.status_code == 409

        # The customer writes while paused: the message reaches the console at once.
        written = time.perf_counter()
        post_update(s, tg.message_update(chat, "Телевизор не включается, чек есть"))
        message, arrived = console.next_message(
            lambda m: m["conversation_id"] == conversation and m["text"] == "Телевизор не включается, чек есть"
        )
        assert message["role"] == "user" and message["channel"] == "telegram"
        assert arrived - written < 1.0, f"customer message reached the console after {arrived - written:.2f}s"

        # The agent answers on Telegram.
        mark = tg.mark()
        started = time.perf_counter()
        sent = httpx.post(
            f"{url}/messages", json={"text": "Здравствуйте, Лейла! Меня зовут Алиса."}, headers=agents["alice"]
        )
        assert sent.status_code == 201, sent.text
        delivered = tg.wait_for(
            lambda r: r.get("method") == "sendMessage" and str(r["params"].get("chat_id")) == str(chat), after=mark
        )
        assert delivered[0]["params"]["text"] == "Здравствуйте, Лейла! Меня зовут Алиса."
        assert time.perf_counter() - started < 1.0
        assert rasa_paused(s, conversation), "an agent's message must not wake the bot"

        # Passed to Bob, who writes too; Alice no longer can.
        assert httpx.post(f"{url}/transfer", json={"username": "bob"}, headers=agents["alice"]).status_code == 200
        assert httpx.post(f"{url}/messages", json={"text": "ещё"}, headers=agents["alice"]).status_code == 403
        mark = tg.mark()
        assert (
            httpx.post(f"{url}/messages", json={"text": "Это Боб, продолжим."}, headers=agents["bob"]).status_code
            == 201
        )
        tg.wait_for(
            lambda r: r.get("method") == "sendMessage" and r["params"].get("text") == "Это Боб, продолжим.", after=mark
        )

        # Bob gives it back: the bot says so and asks for the phone again, slots intact.
        mark = tg.mark()
        back = httpx.post(f"{url}/return", headers=agents["bob"], timeout=30)
        assert back.status_code == 200 and back.json()["status"] == "closed"
        replies = tg.wait_for(
            lambda r: r.get("method") == "sendMessage" and str(r["params"].get("chat_id")) == str(chat),
            after=mark,
            count=2,
        )
        assert not rasa_paused(s, conversation)
        tracker = s.tracker(conversation)
        assert tracker["slots"]["full_name"] == "Мамедова Лейла Рашидовна"
        assert tracker["slots"]["requested_slot"] == "phone", [r["params"]["text"] for r in replies]
    finally:
        console.close()

    # The customer finishes with the bot.
    replies = say(s, tg, chat, "050 111 22 33")
    assert s.tracker(conversation)["slots"]["requested_slot"] == "staff_member", texts(replies)
    mark = tg.mark()
    post_update(s, tg.callback_update(chat, button(replies, "Не знаю")))
    say(s, tg, chat, "Телевизор не включается, в обмене отказали")
    replies = say(s, tg, chat, "да")
    match = re.search(TRACKING, texts(replies))
    assert match, texts(tg.sent(chat, after=mark))
    record = s.complaint(match.group(0))
    assert record["channel"] == "telegram" and record["phone"] == "+994501112233"

    # The transcript stays with the complaint: customer, bot and both agents.
    transcript = wait_for(
        lambda: (
            (
                t := httpx.get(
                    f"{s.backend_url}/api/complaints/{match.group(0)}/transcript", headers=agents["carol"], timeout=10
                ).json()
            )
            and any(match.group(0) in m["text"] for m in t)
            and t
        ),
        timeout=10,
        what="the registration message in the transcript",
    )
    roles = [(m["role"], m.get("agent_name")) for m in transcript]
    assert ("agent", "Alice") in roles and ("agent", "Bob") in roles
    said = [m["text"] for m in transcript if m["role"] == "user"]
    assert said[1:3] == ["Хочу оставить жалобу на магазин", "Мамедова Лейла Рашидовна"]  # /start arrives as /greet
    assert "Телевизор не включается, чек есть" in said
    assert sum(1 for m in transcript if m["role"] == "bot") >= 5
    registration = next(m["text"] for m in transcript if match.group(0) in m["text"])
    assert "••••••" in registration and not re.search(r"(?<!\d)\d{6}(?!\d)", registration)
    agent_lines = [m["text"] for m in transcript if m["role"] == "agent"]
    assert agent_lines == ["Здравствуйте, Лейла! Меня зовут Алиса.", "Это Боб, продолжим."]


@pytest.mark.parametrize("phrase", ["оператор"])
def test_the_handoff_is_in_the_queue_and_rasa_shows_paused(handoff_stack, telegram, e2e_agents, phrase):
    """DESIGN.md section 3: Rasa's tracker shows "paused": true for a conversation an agent has."""
    s, tg = handoff_stack, telegram
    chat = random.randint(10**8, 10**9)
    say(s, tg, chat, "Здравствуйте")
    say(s, tg, chat, phrase)
    handoff = open_handoff(s, e2e_agents["carol"], f"tg:{chat}")
    assert rasa_paused(s, f"tg:{chat}")
    url = f"{s.backend_url}/api/handoffs/{handoff['id']}"
    assert httpx.post(f"{url}/take", headers=e2e_agents["carol"]).status_code == 200
    assert httpx.post(f"{url}/close", headers=e2e_agents["carol"], timeout=30).status_code == 200
    assert not rasa_paused(s, f"tg:{chat}")


def test_a_paused_bot_says_nothing(handoff_stack, telegram, e2e_agents):
    s, tg = handoff_stack, telegram
    chat = random.randint(10**8, 10**9)
    say(s, tg, chat, "Хочу оставить жалобу на магазин")
    say(s, tg, chat, "Мамедова Лейла Рашидовна")
    say(s, tg, chat, "оператор")
    open_handoff(s, e2e_agents["carol"], f"tg:{chat}")
    mark = tg.mark()
    post_update(s, tg.message_update(chat, "Телевизор не включается, чек есть"))
    time.sleep(1.0)
    assert tg.sent(chat, after=mark) == []
