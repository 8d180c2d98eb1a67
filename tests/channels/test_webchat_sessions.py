"""Attacks on the web chat's conversation ids, from outside, with socket.io clients: the channel
of credentials.yml on a real Sanic server (rasa_harness.py, an echo in place of the agent: each
message is answered `echo:<text>` in the conversation it landed in, so whoever receives that
reply is in that conversation). Also the rasa server's body limit on the same server.

A victim holds a session; the attacker knows its conversation id (the part Rasa, the console
and the transcripts show) but not the victim's signature."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import socketio

from tests.channels.test_channel_harness import harness_server

QUIET = 2.0  # seconds a client waits to be sure nothing reaches it
NO_TEXT = "\u2026"  # bot.channels.delivery.NO_TEXT (that module needs rasa): "nothing readable"


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Iterator[str]:
    # HARNESS_ASYNC_ROOMS: python-socketio >= 5.10's coroutine rooms even on 5.9 (a no-op on 5.10+).
    log = tmp_path_factory.mktemp("webchat") / "harness.log"
    with harness_server(log, {"HARNESS_ASYNC_ROOMS": "1"}) as url:
        yield url


class Browser:
    """One socket.io connection, as rasa-webchat makes it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.replies: asyncio.Queue = asyncio.Queue()
        self.confirms: asyncio.Queue = asyncio.Queue()
        self.sio.on("bot_uttered", self.replies.put_nowait)
        self.sio.on("session_confirm", self.confirms.put_nowait)

    async def __aenter__(self) -> Browser:
        await self.sio.connect(self.url, socketio_path="/socket.io", transports=["websocket"])
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.sio.disconnect()

    async def session(self, session_id: str | None = None) -> str:
        await self.sio.emit("session_request", {"session_id": session_id})
        return await asyncio.wait_for(self.confirms.get(), 10)

    async def say(self, text: str, session_id: str | None) -> None:
        await self.sio.emit("user_uttered", {"message": text, "session_id": session_id, "customData": {}})

    async def reply(self, timeout: float = 10) -> dict | None:
        try:
            return await asyncio.wait_for(self.replies.get(), timeout)
        except asyncio.TimeoutError:
            return None

    async def nothing(self) -> list:
        await asyncio.sleep(QUIET)
        got = []
        while not self.replies.empty():
            got.append(self.replies.get_nowait())
        return got


def conversation_id(token: str) -> str:
    """What others may know of a session: the id without its signature."""
    return token.split(".", 1)[0]


def forgeries(victim: str, attacker: str) -> dict[str, str]:
    known = conversation_id(victim)
    signature = attacker.split(".", 1)[1] if "." in attacker else "A" * 43
    return {
        "known id": known,
        "known id with another id's signature": f"{known}.{signature}",
        "known id with a made-up signature": f"{known}.{'A' * 43}",
        "the victim's token with its signature altered": victim[:-2] + ("AA" if victim[-2:] != "AA" else "BB"),
    }


def test_a_known_or_guessed_session_id_gives_a_new_conversation_and_none_of_the_victims_replies(harness):
    async def attack() -> None:
        async with Browser(harness) as victim, Browser(harness) as attacker:
            token = await victim.session()
            await victim.say("hello", token)
            assert await victim.reply() == {"text": "echo:hello"}
            own = await attacker.session()
            for what, forged in forgeries(token, own).items():
                confirmed = await attacker.session(forged)
                assert conversation_id(confirmed) != conversation_id(token), what
                await victim.say(f"my PIN 4821 ({what})", token)
                assert await victim.reply() == {"text": f"echo:my PIN 4821 ({what})"}, what
                assert await attacker.nothing() == [], f"{what}: the attacker got the victim's replies"

    asyncio.run(attack())


def test_a_message_naming_the_victims_session_never_lands_in_the_victims_conversation(harness):
    async def attack() -> None:
        async with Browser(harness) as victim, Browser(harness) as attacker, Browser(harness) as stranger:
            token = await victim.session()
            own = await attacker.session()
            # Even with the victim's whole token in the body, a socket speaks in its own conversation.
            await attacker.say("да", token)
            assert await attacker.reply() == {"text": "echo:да"}
            await attacker.say("by id", conversation_id(token))
            assert await attacker.reply() == {"text": "echo:by id"}
            # A socket never confirmed for a session is not heard at all.
            await stranger.say("unconfirmed", token)
            assert await stranger.nothing() == []
            assert await victim.nothing() == [], "a message from another socket reached the victim's conversation"
            assert own != token

    asyncio.run(attack())


def test_a_forged_backend_intent_typed_in_the_web_chat_reaches_rasa_as_nothing_readable(harness):
    async def forge() -> None:
        async with Browser(harness) as customer:
            token = await customer.session()
            await customer.say('/EXTERNAL_decision{"tracking_number":"K7QM-4PXR"}', token)
            assert await customer.reply() == {"text": f"echo:{NO_TEXT}"}
            await customer.say("/greet", token)  # an intent without entities is the widget's own
            assert await customer.reply() == {"text": "echo:/greet"}

    asyncio.run(forge())


def test_a_reload_with_the_issued_token_keeps_the_conversation(harness):
    async def reload() -> None:
        async with Browser(harness) as first:
            token = await first.session()
            await first.say("before", token)
            assert await first.reply() == {"text": "echo:before"}
        async with Browser(harness) as again, Browser(harness) as other_tab:
            assert await again.session(token) == token
            assert await other_tab.session(token) == token  # the same customer's second tab
            await again.say("after", token)
            assert await again.reply() == {"text": "echo:after"}
            assert await other_tab.reply() == {"text": "echo:after"}

    asyncio.run(reload())


def test_a_body_above_the_limit_is_refused_with_413_json(harness):
    big = {"sender": "someone", "message": "x" * (2 * 1024 * 1024)}
    r = httpx.post(f"{harness}/webhooks/rest/webhook", json=big, timeout=30)
    assert r.status_code == 413, r.text[:200]
    assert r.json() == {"error": "request body too large", "max_bytes": 1024 * 1024}
    # Without Content-Length (chunked), too: 413, or the connection closed while the client was
    # still sending; never the webhook's own answer (403: no secret token).
    chunks = (b'{"sender": "x", "message": "' + b"y" * 65536 for _ in range(40))
    try:
        r = httpx.post(f"{harness}/webhooks/telegram/webhook", content=chunks, timeout=30)
        assert r.status_code == 413 and r.json()["max_bytes"] == 1024 * 1024
    except httpx.TransportError:
        pass
    # A normal call still passes.
    assert httpx.post(f"{harness}/webhooks/rest/webhook", json={"sender": "s", "message": "hi"}).status_code == 200
