"""What a web chat customer missed while the page was closed, and who may ask whether it is open.

A notice the backend triggers while nobody is connected is still uttered into the conversation
(Rasa's tracker keeps it) but emitted into an empty room. When the customer opens the chat again
with the same session, the bot's messages after the conversation's `seen` time
(bot.channels.webchat_presence) are sent to that socket, as Rasa's processor sends them
(`BotUttered.message()` through the output channel), buttons included. Messages the page
received before it closed are older than `seen`: a reload shows nothing twice.

The presence route (`GET /webhooks/socketio/presence?conversation_id=wc:...`) is for the backend
only: with RASA_TOKEN set it wants the header JWT the backend sends to Rasa's API
(contract.rasa_auth); without it, like Rasa's API, it is open (development on loopback).
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from rasa.shared.core.events import BotUttered
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.webchat_presence import Presence
from contract import rasa_auth

logger = logging.getLogger(__name__)

CONVERSATION = re.compile(r"^wc:[0-9a-f]{32}$")


async def unseen(agent: Any, conversation: str, after: float) -> list[dict[str, Any]]:
    """The bot's messages of `conversation` uttered after `after` (epoch seconds), oldest first."""
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return []
    retrieve = getattr(store, "retrieve_full_tracker", None) or store.retrieve
    tracker = await retrieve(conversation)
    if tracker is None:
        return []
    return [
        event.message()
        for event in tracker.events
        if isinstance(event, BotUttered) and (event.timestamp or 0) > after and (event.text or event.data)
    ]


def authorised(request: Request) -> bool:
    secret = os.environ.get("RASA_TOKEN", "").strip()
    if not secret:
        return True
    token = rasa_auth.bearer(request.headers.get("Authorization"))
    return token is not None and rasa_auth.verify(secret, token)


async def presence_answer(request: Request, presence: Presence) -> HTTPResponse:
    if not authorised(request):
        return response.json({"status": "failure", "reason": "NotAuthenticated"}, status=401)
    conversation = request.args.get("conversation_id") or ""
    if not CONVERSATION.match(conversation):
        return response.json({"status": "failure", "reason": "conversation_id must be a web chat id"}, status=400)
    try:
        connected = await presence.connected(conversation)
    except Exception as exc:  # noqa: BLE001 - the store is away: the backend retries later
        logger.warning("webchat: presence store unavailable (%s)", type(exc).__name__)
        return response.json({"status": "failure", "reason": "presence store unavailable"}, status=503)
    return response.json({"conversation_id": conversation, "connected": connected})
