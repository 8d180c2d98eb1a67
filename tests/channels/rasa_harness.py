"""Runs in rasa's environment (.venv-rasa), started by test_channel_harness.py.

Builds a Sanic app with the input channels of credentials.yml, loaded the way
`rasa run` loads them (rasa.core.run.create_http_input_channels), and an echo
in place of the agent - no model, so it starts in seconds.

    python rasa_harness.py serve PORT       serve until killed (HARNESS_ASYNC_ROOMS=1: with
                                            python-socketio >= 5.10's coroutine rooms)
    python rasa_harness.py socketio-check   the web chat's room fix, with
                                            python-socketio >= 5.10 behaviour
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.chdir(ROOT)

from tests.support.net import free_port  # noqa: E402 - the repository is on sys.path (the venv's .pth)


def build_app():
    from types import SimpleNamespace

    from rasa.core.channels.channel import UserMessage
    from rasa.core.run import create_http_input_channels
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered
    from sanic import Sanic, response

    channels = create_http_input_channels(None, os.environ.get("HARNESS_CREDENTIALS") or str(ROOT / "credentials.yml"))
    # Rasa's in-memory tracker store, where Rasa's agent keeps conversations: the echo's turns and
    # the "notices" below land there as Rasa's processor writes them (the web chat's replay reads it).
    store = InMemoryTrackerStore(Domain.empty())

    async def utter(sender_id: str, output, text: str, buttons: list | None = None) -> None:
        tracker = await store.get_or_create_tracker(sender_id)
        event = BotUttered(text, {"buttons": buttons} if buttons else {})
        tracker.update(event)
        await store.save(tracker)
        await output.send_response(sender_id, event.message())

    async def echo(message: UserMessage) -> None:
        tracker = await store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text))
        await store.save(tracker)
        await utter(message.sender_id, message.output_channel, f"echo:{message.text}")

    # As rasa.core.channels.channel.register does, with the echo in place of the agent.
    app = Sanic("channel_harness")
    app.ctx.input_channels = channels
    app.ctx.agent = SimpleNamespace(tracker_store=store)
    for channel in channels:
        app.blueprint(channel.blueprint(echo), url_prefix=f"/webhooks/{channel.url_prefix()}")

    @app.post("/harness/notice")
    async def notice(request):
        """What the backend's trigger_intent does to a web chat conversation: the bot's message
        into the tracker, emitted through the channel's output to the conversation's room."""
        webchat = next(channel for channel in channels if channel.name() == "socketio")
        body = request.json
        await utter(body["conversation_id"], webchat.get_output_channel(), body["text"], body.get("buttons"))
        return response.json({"ok": True})

    return app, channels


def serve(port: int) -> None:
    if os.environ.get("HARNESS_ASYNC_ROOMS") == "1":
        make_enter_room_a_coroutine()
    app, _ = build_app()
    app.run(host="127.0.0.1", port=port, access_log=False)


def make_enter_room_a_coroutine() -> None:
    """python-socketio 5.10 made AsyncServer.enter_room and leave_room coroutines; Rasa 3.6 calls
    enter_room without await."""
    import inspect

    import socketio

    if inspect.iscoroutinefunction(socketio.AsyncServer.enter_room):
        return  # the installed python-socketio is >= 5.10 already
    sync_enter_room = socketio.AsyncServer.enter_room
    sync_leave_room = socketio.AsyncServer.leave_room

    async def enter_room(self, sid, room, namespace=None):
        return sync_enter_room(self, sid, room, namespace=namespace)

    async def leave_room(self, sid, room, namespace=None):
        return sync_leave_room(self, sid, room, namespace=namespace)

    socketio.AsyncServer.enter_room = enter_room
    socketio.AsyncServer.leave_room = leave_room


def socketio_check() -> dict:
    import socketio

    make_enter_room_a_coroutine()
    port = free_port()
    app, _ = build_app()
    result: dict = {}

    @app.listener("after_server_start")
    async def client(app_, _loop):
        replies: asyncio.Queue = asyncio.Queue()
        sio = socketio.AsyncClient()
        sio.on("bot_uttered", lambda data: replies.put_nowait(data))
        confirmed: asyncio.Queue = asyncio.Queue()
        sio.on("session_confirm", lambda data: confirmed.put_nowait(data))
        await sio.connect(f"http://127.0.0.1:{port}", socketio_path="/socket.io", transports=["polling"])
        await sio.emit("session_request", {"session_id": None})
        result["session"] = await asyncio.wait_for(confirmed.get(), 10)
        await sio.emit(
            "user_uttered",
            {"message": "Здравствуйте", "session_id": result["session"], "customData": {"language": "az"}},
        )
        try:
            result["reply"] = await asyncio.wait_for(replies.get(), 4)
        except asyncio.TimeoutError:
            result["reply"] = None
        # The same token again (a reload) keeps the conversation; a made-up id gets a new one.
        await sio.emit("session_request", {"session_id": result["session"]})
        result["same_session"] = await asyncio.wait_for(confirmed.get(), 10)
        await sio.emit("session_request", {"session_id": "../../not a session id"})
        result["fresh_session"] = await asyncio.wait_for(confirmed.get(), 10)
        await sio.emit("user_uttered", {"message": "снова", "session_id": result["session"]})
        try:
            result["reply_in_fresh_session"] = await asyncio.wait_for(replies.get(), 4)
        except asyncio.TimeoutError:
            result["reply_in_fresh_session"] = None
        await sio.disconnect()
        app_.stop()

    app.run(host="127.0.0.1", port=port, access_log=False)
    return result


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    elif sys.argv[1] == "socketio-check":
        print(json.dumps(socketio_check(), ensure_ascii=False))
