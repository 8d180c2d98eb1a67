"""The web chat's presence (is a page of the conversation open?) and the replay of what was said
while it was closed, from outside: socket.io clients against the channel of credentials.yml on
a real Sanic server (rasa_harness.py: an echo in place of the agent, Rasa's in-memory tracker
store, and POST /harness/notice doing to a conversation what the backend's trigger_intent does).
One server keeps presence in its memory; two servers share it through Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from contract import rasa_auth
from tests.channels.test_channel_harness import HARNESS, RASA_PY, clean_env, harness_server
from tests.channels.test_webchat_sessions import Browser, conversation_id
from tests.support.net import free_port

RASA_TOKEN = "presence-test-token"
BUTTONS = [
    {"title": "Razıyam", "payload": "/approve_decision"},
    {"title": "Razı deyiləm", "payload": "/reject_decision"},
]


def connected(url: str, conversation: str) -> bool:
    answer = httpx.get(
        f"{url}/webhooks/socketio/presence",
        params={"conversation_id": conversation},
        headers=rasa_auth.headers(RASA_TOKEN, "backend"),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["conversation_id"] == conversation
    return bool(answer.json()["connected"])


def notice(url: str, conversation: str, text: str) -> None:
    answer = httpx.post(
        f"{url}/harness/notice", json={"conversation_id": conversation, "text": text, "buttons": BUTTONS}, timeout=10
    )
    assert answer.status_code == 200, answer.text


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("presence") / "harness.log"
    with harness_server(log, {"HARNESS_ASYNC_ROOMS": "1", "RASA_TOKEN": RASA_TOKEN}) as url:
        yield url


def test_presence_is_true_while_a_page_is_connected_and_false_after(server: str) -> None:
    async def scenario() -> None:
        async with Browser(server) as page:
            token = await page.session()
            chat = conversation_id(token)
            assert connected(server, chat)
            async with Browser(server) as second_tab:
                await second_tab.session(token)
                assert connected(server, chat)
            assert connected(server, chat)  # one tab closed, the other still open
        assert not connected(server, chat)

    asyncio.run(scenario())
    assert not connected(server, "wc:" + "0" * 32)  # never seen


def test_presence_answers_the_backend_only(server: str) -> None:
    url = f"{server}/webhooks/socketio/presence"
    chat = {"conversation_id": "wc:" + "1" * 32}
    assert httpx.get(url, params=chat).status_code == 401
    assert httpx.get(url, params={**chat, "token": RASA_TOKEN}).status_code == 401  # never in the URL
    forged = rasa_auth.headers("another secret", "backend")
    assert httpx.get(url, params=chat, headers=forged).status_code == 401
    backend = rasa_auth.headers(RASA_TOKEN, "backend")
    for bad in ("", "tg:123", "wc:short", "wc:" + "1" * 32 + ".signature"):
        assert httpx.get(url, params={"conversation_id": bad}, headers=backend).status_code == 400


def test_what_was_said_while_the_page_was_closed_is_shown_on_return_once(server: str) -> None:
    async def scenario() -> None:
        async with Browser(server) as page:
            token = await page.session()
            await page.say("salam", token)
            assert (await page.reply())["text"] == "echo:salam"
        chat = conversation_id(token)
        notice(server, chat, "Qərar: simi dəyişəcəyik.")  # into an empty room

        async with Browser(server) as page:  # the customer opens the chat again
            assert await page.session(token) == token
            shown = await page.reply()
            assert shown["text"] == "Qərar: simi dəyişəcəyik."
            assert [(r["title"], r["payload"]) for r in shown["quick_replies"]] == [
                (b["title"], b["payload"]) for b in BUTTONS
            ]
            assert await page.nothing() == []  # only what was missed: not the echo seen before

        async with Browser(server) as page:  # a plain reload: nothing new to show
            await page.session(token)
            assert await page.nothing() == []

    asyncio.run(scenario())


def test_a_notice_to_an_open_page_is_shown_live_and_not_again_after_a_reload(server: str) -> None:
    async def scenario() -> None:
        async with Browser(server) as page:
            token = await page.session()
            notice(server, conversation_id(token), "Şikayətiniz icraya götürüldü.")
            assert (await page.reply())["text"] == "Şikayətiniz icraya götürüldü."
        async with Browser(server) as page:
            await page.session(token)
            assert await page.nothing() == []

    asyncio.run(scenario())


def test_a_new_conversation_replays_nothing(server: str) -> None:
    async def scenario() -> None:
        async with Browser(server) as page:
            victim = await page.session()
        notice(server, conversation_id(victim), "Sizin şikayətiniz")
        async with Browser(server) as stranger:  # a guessed id: a new conversation, nothing replayed
            fresh = await stranger.session(conversation_id(victim))
            assert conversation_id(fresh) != conversation_id(victim)
            assert await stranger.nothing() == []

    asyncio.run(scenario())


# --- two rasa servers, presence in Redis ----------------------------------------------------------

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory) -> Iterator[tuple[str, str, dict[str, str]]]:
    env = {
        "HARNESS_ASYNC_ROOMS": "1",
        "RASA_TOKEN": RASA_TOKEN,
        "SOCKETIO_REDIS_URL": REDIS_URL,
        "SOCKETIO_REDIS_CHANNEL": f"presence-test-{uuid.uuid4().hex[:8]}",
        "WEBCHAT_PRESENCE_TTL_SECONDS": "3",
    }
    logs = tmp_path_factory.mktemp("presence-redis")
    with harness_server(logs / "one.log", env) as one, harness_server(logs / "two.log", env) as two:
        yield one, two, env


@pytest.mark.integration
def test_presence_is_shared_between_rasa_servers(two_servers: tuple[str, str, dict[str, str]]) -> None:
    one, two, _ = two_servers

    async def scenario() -> None:
        async with Browser(one) as page:
            token = await page.session()
            chat = conversation_id(token)
            assert connected(two, chat) and connected(one, chat)
            # held past the entry's lifetime: the server holding the socket keeps it alive
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                assert connected(two, chat)
                await asyncio.sleep(0.5)
        assert not connected(two, chat) and not connected(one, chat)

    asyncio.run(scenario())


@pytest.mark.integration
def test_the_sockets_of_a_killed_rasa_server_stop_counting_after_the_ttl(tmp_path_factory, two_servers) -> None:
    """kill -9: the server cannot say its sockets left; their entries run out (TTL 3 s here)."""
    _, survivor, env = two_servers
    log = tmp_path_factory.mktemp("presence-killed") / "killed.log"
    port = free_port()
    proc = subprocess.Popen(
        [RASA_PY, HARNESS, "serve", str(port)],
        env=clean_env() | env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    doomed = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{doomed}/webhooks/socketio/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)

        async def connect() -> str:
            page = Browser(doomed)
            page.sio.reconnection = False
            await page.__aenter__()
            return conversation_id(await page.session())

        loop = asyncio.new_event_loop()
        chat = loop.run_until_complete(connect())
        assert connected(survivor, chat)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        killed_at = time.monotonic()
        while connected(survivor, chat):
            assert time.monotonic() - killed_at < 10, "a killed server's socket still counts"
            time.sleep(0.2)
        loop.close()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
