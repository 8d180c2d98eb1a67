"""A guessed web chat session id, against the real rasa server with the trained model: an attacker's
socket that names a victim's session (its id, or the whole token in a message's body) neither
writes into the victim's tracker nor receives the victim's replies."""

from __future__ import annotations

import asyncio

import socketio

QUIET = 3.0


async def connect(url: str) -> tuple[socketio.AsyncClient, asyncio.Queue, asyncio.Queue]:
    sio = socketio.AsyncClient(reconnection=False)
    replies: asyncio.Queue = asyncio.Queue()
    confirms: asyncio.Queue = asyncio.Queue()
    sio.on("bot_uttered", replies.put_nowait)
    sio.on("session_confirm", confirms.put_nowait)
    await sio.connect(url, socketio_path="/socket.io", transports=["websocket"])
    return sio, replies, confirms


async def session(sio: socketio.AsyncClient, confirms: asyncio.Queue, session_id: str | None = None) -> str:
    await sio.emit("session_request", {"session_id": session_id})
    return await asyncio.wait_for(confirms.get(), 15)


async def say(sio: socketio.AsyncClient, text: str, session_id: str) -> None:
    await sio.emit("user_uttered", {"message": text, "session_id": session_id, "customData": {"language": "ru"}})


async def drain(queue: asyncio.Queue, wait: float) -> list:
    await asyncio.sleep(wait)
    got = []
    while not queue.empty():
        got.append(queue.get_nowait())
    return got


def user_texts(tracker: dict) -> list[str]:
    return [e.get("text") for e in tracker.get("events") or [] if e.get("event") == "user"]


def test_an_attacker_naming_the_victims_session_reaches_neither_its_tracker_nor_its_replies(stack):
    intrusion = "Меня зовут Злоумышленников Иван Петрович"

    async def attack() -> tuple[str, str]:
        victim, victim_replies, victim_confirms = await connect(stack.rasa_url)
        attacker, attacker_replies, attacker_confirms = await connect(stack.rasa_url)
        try:
            token = await session(victim, victim_confirms)
            await say(victim, "Здравствуйте, хочу оставить жалобу", token)
            assert await asyncio.wait_for(victim_replies.get(), 60)
            await drain(victim_replies, QUIET)

            known_id = token.split(".", 1)[0]  # what a transcript or the console shows
            own = await session(attacker, attacker_confirms, known_id)
            assert own.split(".", 1)[0] != known_id
            await say(attacker, intrusion, token)  # the victim's whole token in the body
            assert await asyncio.wait_for(attacker_replies.get(), 60), "the attacker's own conversation answers"
            await drain(attacker_replies, QUIET)

            await say(victim, "Мамедова Лейла Рашидовна", token)
            assert await asyncio.wait_for(victim_replies.get(), 60)
            assert await drain(attacker_replies, QUIET) == [], "the attacker received the victim's replies"
            return known_id, own.split(".", 1)[0]
        finally:
            await victim.disconnect()
            await attacker.disconnect()

    victim_id, attacker_id = asyncio.run(attack())
    victim_said = user_texts(stack.tracker(victim_id))
    assert intrusion not in victim_said and "Мамедова Лейла Рашидовна" in victim_said
    assert intrusion in user_texts(stack.tracker(attacker_id))
