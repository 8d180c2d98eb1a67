"""Issue 22's Must-show, with the three real processes and the trained model: a web chat customer
who closed the page before the decision gets it by e-mail (once), and sees it in the chat, with
its approve / reject buttons, when they come back with the same session; a reload after that
shows it no more, and its approve button closes the complaint. The customer is a socket.io
client speaking as rasa-webchat does; the backend's SMTP goes to an aiosmtpd sink; RASA_TOKEN is
set, so the backend's presence question carries its JWT."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest
import socketio

from contract import rasa_auth
from tests.support.conversation import tracking_number
from tests.support.loopback import SmtpSink
from tests.support.stack import AGENT_TOKEN, Stack

RASA_TOKEN = "e2e-webchat-rasa-token"
EMAIL = "nermin.aliyeva@example.az"
DECISION = "Paltaryuyan maşını sabah evinizə çatdıracağıq və çatdırılma haqqını qaytaracağıq."
QUIET = 3.0  # seconds without a message: the turn is over / nothing more comes


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="module")
def mail_stack(tmp_path_factory, smtp: SmtpSink) -> Iterator[Stack]:
    s = Stack(
        tmp_path_factory.mktemp("webchat-closed"),
        policy="kontakt",
        env={"SMTP_URL": smtp.url, "SMTP_FROM": "complaints@kontakt.example"},
    )
    try:
        for name in ("backend", "actions", "rasa"):
            s.start(name, RASA_TOKEN=RASA_TOKEN)
        for name in ("backend", "actions"):
            s.wait_ready(name)
        wait_for(rasa_ready(s), 300, "rasa server with its model")
        yield s
    finally:
        s.stop_all()


class Page:
    """The chat page: one socket.io connection, as rasa-webchat makes it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.messages: asyncio.Queue = asyncio.Queue()
        self.confirms: asyncio.Queue = asyncio.Queue()
        self.sio.on("bot_uttered", self.messages.put_nowait)
        self.sio.on("session_confirm", self.confirms.put_nowait)

    async def open(self, token: str | None = None) -> str:
        await self.sio.connect(self.url, socketio_path="/socket.io", transports=["websocket"])
        await self.sio.emit("session_request", {"session_id": token})
        return await asyncio.wait_for(self.confirms.get(), 15)

    async def close(self) -> None:
        await self.sio.disconnect()

    async def say(self, text: str, token: str) -> list[dict]:
        await self.sio.emit("user_uttered", {"message": text, "session_id": token, "customData": {"language": "az"}})
        first = await asyncio.wait_for(self.messages.get(), 90)
        return [first, *await self.rest()]

    async def rest(self) -> list[dict]:
        got = []
        while True:
            try:
                got.append(await asyncio.wait_for(self.messages.get(), QUIET))
            except asyncio.TimeoutError:
                return got


def presence(stack: Stack, conversation: str) -> bool:
    answer = httpx.get(
        f"{stack.rasa_url}/webhooks/socketio/presence",
        params={"conversation_id": conversation},
        headers=rasa_auth.headers(RASA_TOKEN, "e2e"),
        timeout=10,
    )
    answer.raise_for_status()
    return bool(answer.json()["connected"])


def rasa_ready(stack: Stack):
    """Stack.wait_ready asks /status without a token: this one sends the header JWT."""

    def check() -> bool:
        process = stack.processes["rasa"].popen
        assert process.poll() is None, stack.processes["rasa"].tail()
        try:
            answer = httpx.get(f"{stack.rasa_url}/status", headers=rasa_auth.headers(RASA_TOKEN, "e2e"), timeout=2)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200 and bool(answer.json().get("model_file"))

    return check


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.3)


def test_a_customer_who_closed_the_page_gets_the_decision_by_email_and_in_the_chat_on_return(
    mail_stack: Stack, smtp: SmtpSink
) -> None:
    s = mail_stack
    agent = {"Authorization": f"Bearer {AGENT_TOKEN}"}

    async def register() -> tuple[str, str]:
        page = Page(s.rasa_url)
        token = await page.open()
        replies: list[dict] = []
        for message in (
            "salam, şikayət etmək istəyirəm",
            "Əliyeva Nərmin Tofiq qızı",
            EMAIL,
            "bilmirəm",
            "paltaryuyan maşını iki həftədir çatdırmırlar, zəng edəndə heç kim cavab vermir",
            "bəli, düzdür",
        ):
            replies = await page.say(message, token)
        tn = tracking_number(replies)
        assert tn, replies
        await page.close()  # the customer closes the page
        return token, tn

    token, tn = asyncio.run(register())
    conversation = token.split(".", 1)[0]
    record = s.complaint(tn)
    assert record["channel"] == "socketio" and record["email"] == EMAIL and record["phone"] is None
    wait_for(lambda: not presence(s, conversation), 10, "closed page")

    resolved = httpx.post(
        f"{s.backend_url}/api/complaints/{tn}/status",
        json={"status": "resolved", "note": DECISION},
        headers=agent,
        timeout=30,
    )
    assert resolved.status_code == 200, resolved.text

    def decision_mail() -> list:
        return [m for m in smtp.messages if m["To"] == EMAIL and DECISION in m.get_content()]

    mail = wait_for(decision_mail, 60, "decision e-mail")
    assert tn in mail[0]["Subject"]
    decision = wait_for(
        lambda: [n for n in s.complaint(tn)["notifications"] if n["kind"] == "decision" and n["state"] == "sent"],
        30,
        "decision recorded as sent",
    )
    assert [n["channel"] for n in decision] == ["email"]
    assert [(a["channel"], a["outcome"]) for a in decision[0]["attempt_log"]] == [("rasa", "error"), ("email", "sent")]
    assert "web chat is closed" in decision[0]["attempt_log"][0]["detail"]

    async def come_back() -> tuple[list[dict], list[dict]]:
        page = Page(s.rasa_url)
        assert await page.open(token) == token  # the same session, from the browser's storage
        shown = await page.rest()
        await page.close()
        reload = Page(s.rasa_url)
        await reload.open(token)
        again = await reload.rest()
        await reload.say("/affirm", token)  # the "Razıyam" button
        await reload.close()
        return shown, again

    shown, again = asyncio.run(come_back())
    texts = " ".join(m.get("text") or "" for m in shown)
    assert DECISION in texts and tn in texts, shown
    replies = [(r["title"], r["payload"]) for m in shown for r in m.get("quick_replies") or []]
    assert replies == [("Razıyam", "/affirm"), ("Razı deyiləm", "/deny")]
    assert again == []  # a plain reload shows nothing twice
    assert len(decision_mail()) == 1  # and the e-mail went once
    assert s.complaint(tn)["status"] == "closed"  # the replayed button answered the decision
