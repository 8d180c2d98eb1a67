"""The one gate every customer message passes before Rasa (webhook channels, REST, web chat).

    guard = MessageGuard(channel)            # one per channel
    handler = guard.wrap(on_new_message)     # the handler the channel hands its messages to
    guard.attach(blueprint)                  # the app serving it: its agent's domain

A message naming a backend-only intent (bot.channels.forged) reaches Rasa as the channel's
"nothing readable" text (delivery.NO_TEXT: the action server answers utter_invalid_message in
the conversation's language), logged without its content. A conversation past its message
limit (bot.channels.rate_limit) is not passed to Rasa; once per window the customer is told so,
through the channel's own output. Rasa's HTTP API (trigger_intent from the backend) does not
pass through channels, so the backend's intents are untouched.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint

from bot.channels.delivery import NO_TEXT
from bot.channels.forged import button_payloads, forged
from bot.channels.rate_limit import DROP, NOTIFY, RateLimiter, polite_text
from bot.channels.redaction import log_id
from bot.channels.settings import GuardSettings
from bot.runtime.metrics import REFUSED
from bot.settings import settings

logger = logging.getLogger(__name__)

Handler = Callable[[UserMessage], Awaitable[Any]]

_limiter: RateLimiter | None = None


def limiter() -> RateLimiter:
    """One count per conversation for the whole process, whichever channel it came by."""
    global _limiter
    if _limiter is None:
        config = GuardSettings.from_env()
        _limiter = RateLimiter(config.rate_limit, config.rate_window_seconds)
    return _limiter


class MessageGuard:
    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.app: Any = None
        self._payloads: tuple[Any, frozenset[str]] = (None, frozenset())

    def attach(self, blueprint: Blueprint) -> None:
        """Reads the domain from the app that serves `blueprint` (its agent loads after the
        channels are built, and a new model replaces it)."""

        @blueprint.listener("before_server_start")
        async def bind(app: Any, _loop: Any) -> None:
            self.app = app

    def payloads(self) -> frozenset[str]:
        """The domain's button payloads; none while no agent is loaded (every forged-looking
        message is refused then)."""
        domain = getattr(getattr(getattr(self.app, "ctx", None), "agent", None), "domain", None)
        if domain is None:
            return frozenset()
        if self._payloads[0] is not domain:
            self._payloads = (domain, button_payloads(getattr(domain, "responses", {}) or {}))
        return self._payloads[1]

    def wrap(self, on_new_message: Handler) -> Handler:
        async def guarded(message: UserMessage) -> Any:
            who = str(message.sender_id)
            verdict = limiter().check(who)
            if verdict in (NOTIFY, DROP):
                REFUSED.labels(self.channel, "rate_limited").inc()
                if verdict == NOTIFY:
                    logger.warning("%s: %s is over the message limit; told once, dropped", self.channel, log_id(who))
                    await self._tell_limited(message)
                return None
            if forged(message.text, self.payloads()):
                REFUSED.labels(self.channel, "forged_intent").inc()
                logger.warning("%s: message from %s names a backend-only intent; refused", self.channel, log_id(who))
                message = _refused(message)
            return await on_new_message(message)

        return guarded

    async def _tell_limited(self, message: UserMessage) -> None:
        if message.output_channel is None:
            return
        text = await asyncio.to_thread(polite_text, message.text or "", message.metadata, settings.policy)
        try:
            await message.output_channel.send_text_message(message.sender_id, text)
        except Exception as exc:  # noqa: BLE001 - the answer is a courtesy; the message stays dropped
            logger.warning("%s: rate-limit answer to %s failed: %s", self.channel, log_id(str(message.sender_id)), exc)


def _refused(message: UserMessage) -> UserMessage:
    return UserMessage(
        NO_TEXT,
        message.output_channel,
        message.sender_id,
        input_channel=message.input_channel,
        message_id=message.message_id,
        metadata={**(message.metadata or {}), "refused": "backend-only intent"},
    )
