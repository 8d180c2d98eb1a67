"""The website chat: Rasa's socketio channel with its measured defect fixed.

`bot.channels.webchat.WebChatInput` in credentials.yml, same settings as `socketio`
and the same name (so conversations are stored with channel "socketio" and
the widget connects to /socket.io as before).

Rasa 3.6 calls `sio.enter_room(...)` without `await`; from python-socketio
5.10 on that is a coroutine, so with session_persistence the customer never
joins the room and replies never arrive (RasaHQ/rasa#13027). The pin to
5.9.0 hides it; this handler works with both. It also refuses malformed
session ids and messages instead of raising inside the socket handler, and
reads the widget's customData even when it arrives as a JSON string.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from socketio import AsyncRedisManager, AsyncServer

from bot.runtime.metrics import timed

logger = logging.getLogger(__name__)

_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_MESSAGE_CHARS = 20_000  # far above the action server's own limit, which answers politely


def valid_session_id(value: Any) -> str | None:
    return value if isinstance(value, str) and _SESSION_ID.match(value) else None


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


class WebChatInput(SocketIOInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        on_new_message = timed(self.name(), on_new_message)
        bp = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None
        share_rooms(sio)

        # Registering the same events again replaces Rasa's handlers.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = valid_session_id(data.get("session_id")) or uuid.uuid4().hex
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                return
            text = data.get("message")
            if not isinstance(text, str) or not text.strip():
                return
            if self.session_persistence:
                sender_id = valid_session_id(data.get("session_id"))
                if not sender_id:
                    logger.warning("webchat: message without a valid session_id dropped")
                    return
            else:
                sender_id = sid
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
