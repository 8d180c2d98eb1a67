"""Rasa's REST channel (`POST /webhooks/rest/webhook`, DESIGN.md §3), guarded and counted.

`bot.channels.rest.TimedRestInput` in credentials.yml: the same name and the same endpoint as
Rasa's own `rest` channel, with the client's `{"sender", "message"}`. Around it:
- on in development (ENVIRONMENT=development, the default); elsewhere off (503) unless
  REST_CHANNEL_TOKEN is a real secret, and whenever a token is set the call must carry
  `Authorization: Bearer <REST_CHANNEL_TOKEN>` (403 otherwise);
- a `sender` in another channel's namespace (`tg:`, `wa:`, `tw:`, `wc:`, contract.conversation_ids)
  is refused (400): a REST client cannot write into a Telegram, WhatsApp or web chat conversation;
- `input_channel` is always "rest" (Rasa lets the body name another channel, whose output would
  then carry the backend's notifications);
- every message passes bot.channels.guard and is counted for /metrics (bot.runtime.metrics).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from rasa.core.channels.channel import InputChannel
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import MessageGuard
from bot.channels.settings import RestSettings
from bot.runtime.metrics import Handler, timed
from contract import conversation_ids

logger = logging.getLogger(__name__)

MAX_SENDER = 200  # what the backend stores of a conversation id


class TimedRestInput(RestInput):
    def __init__(self, settings: RestSettings | None = None) -> None:
        self.settings = settings or RestSettings.from_env()
        if not self.settings.enabled:
            logger.warning(
                "rest channel off: ENVIRONMENT is not development and REST_CHANNEL_TOKEN is not a real secret"
            )

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(RestSettings.from_env(credentials))

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()

    def refusal(self, request: Request) -> HTTPResponse | None:
        """Why this call may not reach Rasa, as its answer; None when it may."""
        if not self.settings.enabled:
            return response.json(
                {"error": "rest channel is off outside development: set REST_CHANNEL_TOKEN to a real secret"},
                status=503,
            )
        if self.settings.token:
            scheme, _, given = (request.headers.get("Authorization") or "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), self.settings.token.encode()
            ):
                return response.json(
                    {"error": "forbidden: Authorization: Bearer <REST_CHANNEL_TOKEN> required"}, status=403
                )
        body = request.json
        if not isinstance(body, dict):
            return response.json({"error": 'expected a JSON object {"sender", "message"}'}, status=400)
        sender, message = body.get("sender"), body.get("message")
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER:
            return response.json({"error": f"sender: a string of 1-{MAX_SENDER} characters"}, status=400)
        if conversation_ids.reserved(sender):
            return response.json(
                {"error": f"sender: the prefixes {', '.join(conversation_ids.PREFIXES)} belong to other channels"},
                status=400,
            )
        if not isinstance(message, str):
            return response.json({"error": "message: a string"}, status=400)
        return None

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        guard = MessageGuard(self.name())
        bp = super().blueprint(guard.wrap(timed(self.name(), on_new_message)))
        guard.attach(bp)

        @bp.middleware("request")
        async def admit(request: Request) -> HTTPResponse | None:
            if request.method != "POST":
                return None  # the health route
            return self.refusal(request)

        return bp
