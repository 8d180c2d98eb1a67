"""The website chat: Rasa's socketio channel with conversation ids the server issues.

`bot.channels.webchat.WebChatInput` in credentials.yml, same settings as `socketio`
and the same name (so conversations are stored with channel "socketio" and
the widget connects to /socket.io as before).

Who is in a conversation is decided by the server alone (bot.channels.webchat_sessions):
`session_request` confirms a session token only when we signed it, and gives a new one
otherwise; the socket then joins the conversation's room (`wc:<id>`, also Rasa's sender_id)
and the server remembers, in the socket's own socket.io session, which conversation it was
confirmed for. A message (`user_uttered`) goes to that conversation, whatever session_id its
body names; a socket never confirmed is not heard. Replies, agents' messages and
notifications are emitted to the conversation's room only (SocketIOOutput, room=sender_id).
Every message passes the channels' one guard (bot.channels.guard) before Rasa.

Whether a conversation has a page open is kept per conversation (bot.channels.webchat_presence,
shared through Redis with several rasa servers) and answered to the backend at
`/webhooks/socketio/presence`; what was uttered while it was closed is sent again when the
customer comes back with the same session (bot.channels.webchat_replay).

Rasa 3.6 calls `sio.enter_room(...)` without `await`; from python-socketio
5.10 on that is a coroutine, so with session_persistence the customer never
joins the room and replies never arrive (RasaHQ/rasa#13027). This handler works with
5.9 and 5.14+ alike. It also refuses malformed messages instead of raising inside the
socket handler, and reads the widget's customData even when it arrives as a JSON string.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from socketio import AsyncRedisManager, AsyncServer

from bot.channels import webchat_presence, webchat_replay
from bot.channels.guard import MessageGuard
from bot.channels.webchat_sessions import SessionIds
from bot.runtime.metrics import timed

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 20_000  # far above the action server's own limit, which answers politely
CONVERSATION = "conversation"  # key in the socket's socket.io session: the confirmed sender_id


def message_metadata(data: dict[str, Any], key: str) -> dict[str, Any]:
    metadata = data.get(key) or {}
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return {}
    return metadata if isinstance(metadata, dict) else {}


def share_rooms(sio: AsyncServer) -> None:
    """With SOCKETIO_REDIS_URL set, rooms live in Redis (python-socketio's AsyncRedisManager):
    a reply or an agent's message emitted by any rasa server reaches the customer's socket on
    whichever server holds it. Needed as soon as there is more than one rasa server."""
    url = os.environ.get("SOCKETIO_REDIS_URL", "").strip()
    if not url:
        return
    manager = AsyncRedisManager(url, channel=os.environ.get("SOCKETIO_REDIS_CHANNEL", "complaints-webchat"))
    manager.set_server(sio)
    sio.manager = manager
    sio.manager_initialized = False
    logger.info("webchat: socket.io rooms shared through Redis")


async def _maybe_await(result: Any) -> None:
    # enter_room / leave_room: plain calls up to python-socketio 5.9, coroutines from 5.10.
    if inspect.isawaitable(result):
        await result


class WebChatInput(SocketIOInput):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Outside development without a real WEBCHAT_SESSION_SECRET this raises: no start.
        self.sessions = SessionIds.from_env()
        self.presence: webchat_presence.Presence = webchat_presence.from_env()
        self.sockets: dict[str, str] = {}  # this process's confirmed sockets: sid -> conversation
        self.app: Any = None  # the Sanic app, for Rasa's agent (its tracker store)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        guard = MessageGuard(self.name())  # backend-only intents refused, per-conversation limit
        on_new_message = guard.wrap(timed(self.name(), on_new_message))
        bp = super().blueprint(on_new_message)
        guard.attach(bp)
        sio = self.sio
        assert sio is not None
        share_rooms(sio)
        namespace = self.namespace
        presence = self.presence

        @bp.listener("after_server_start")
        async def started(app: Any, _loop: Any) -> None:
            self.app = app
            interval = getattr(presence, "ttl", 0) / 3
            if interval:
                app.ctx.webchat_presence_task = asyncio.ensure_future(
                    webchat_presence.keep_alive(presence, self.sockets, interval)
                )

        @bp.listener("before_server_stop")
        async def stopping(app: Any, _loop: Any) -> None:
            task = getattr(app.ctx, "webchat_presence_task", None)
            if task is not None:
                task.cancel()
            await presence.close()

        @bp.route("/presence", methods=["GET"])
        async def presence_route(request: Any) -> Any:
            return await webchat_replay.presence_answer(request, presence)

        async def confirmed_conversation(sid: str) -> str | None:
            try:
                session = await sio.get_session(sid, namespace=namespace)
            except KeyError:  # the socket has gone
                return None
            return session.get(CONVERSATION) if isinstance(session, dict) else None

        # Registering the same events again replaces Rasa's handlers.
        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            token = data.get("session_id")
            # Without session_persistence every connection is a conversation of its own.
            sender_id = self.sessions.verify(token) if self.session_persistence else None
            resumed = sender_id is not None
            if sender_id is None:
                sender_id, token = self.sessions.issue()
            previous = await confirmed_conversation(sid)
            if previous and previous != sender_id:
                await _maybe_await(sio.leave_room(sid, previous, namespace=namespace))
                await self._left(previous, sid)
            # Before this socket counts: when was the conversation last open?
            seen = await self._seen_until(sender_id) if resumed and previous != sender_id else None
            await _maybe_await(sio.enter_room(sid, sender_id, namespace=namespace))
            await sio.save_session(sid, {CONVERSATION: sender_id}, namespace=namespace)
            self.sockets[sid] = sender_id
            await self._joined(sender_id, sid)
            await sio.emit("session_confirm", token, room=sid, namespace=namespace)
            if seen is not None:
                await self._replay(sid, sender_id, seen)

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str, *_: Any) -> None:
            conversation = self.sockets.pop(sid, None)
            if conversation:
                await self._left(conversation, sid)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                return
            text = data.get("message")
            if not isinstance(text, str) or not text.strip():
                return
            # The body's session_id is not read: a socket speaks only in the conversation it
            # was confirmed for.
            sender_id = await confirmed_conversation(sid)
            if not sender_id:
                logger.warning("webchat: message from a socket without a confirmed session dropped")
                return
            await on_new_message(
                UserMessage(
                    text[:MAX_MESSAGE_CHARS],
                    SocketIOOutput(sio, self.bot_message_evt),
                    sender_id,
                    input_channel=self.name(),
                    metadata=message_metadata(data, self.metadata_key or "metadata"),
                )
            )

        return bp

    # --- presence and replay (failures logged: the chat works on without them) ---------------------

    async def _joined(self, conversation: str, sid: str) -> None:
        try:
            await self.presence.joined(conversation, sid)
        except Exception as exc:  # noqa: BLE001
            logger.warning("webchat: presence not recorded (%s)", type(exc).__name__)

    async def _left(self, conversation: str, sid: str) -> None:
        try:
            await self.presence.left(conversation, sid)
        except Exception as exc:  # noqa: BLE001
            logger.warning("webchat: presence not recorded (%s)", type(exc).__name__)

    async def _seen_until(self, conversation: str) -> float | None:
        try:
            return await self.presence.seen_until(conversation)
        except Exception as exc:  # noqa: BLE001
            logger.warning("webchat: presence unavailable, nothing replayed (%s)", type(exc).__name__)
            return None

    async def _replay(self, sid: str, conversation: str, seen: float) -> None:
        """The bot's messages uttered while the conversation had no page open, to this socket."""
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        if agent is None or self.sio is None:
            return
        try:
            messages = await webchat_replay.unseen(agent, conversation, seen)
        except Exception as exc:  # noqa: BLE001 - the tracker store is away: nothing replayed
            logger.warning("webchat: missed messages not read (%s)", type(exc).__name__)
            return
        output = SocketIOOutput(self.sio, self.bot_message_evt)
        for message in messages:
            await output.send_response(sid, message)
        if messages:
            logger.info("webchat: %d missed message(s) shown again on reconnect", len(messages))
