"""The production profile's event broker: Rasa's own RabbitMQ broker (pika, aio-pika), with
each event reduced to what the backend uses before it leaves the rasa server.

deploy/endpoints.production.yml:

    event_broker:
      type: bot.runtime.pika_broker.SlimPikaEventBroker
      url: ${RABBITMQ_URL}          # amqp://user:password@host:5672/vhost
      queues: [rasa_events]         # durable, bound to the fanout exchange rasa-exchange

Every backend replica consumes the one durable queue (backend/app/conversations/consumer.py), so each
event is stored once whichever replica takes it, and an event published while no backend runs
waits in RabbitMQ. The reduction is the HTTP relay's (bot.runtime.event_relay.slim): slots outside the
agent's summary card (the PIN above all) never leave rasa, and PINs in messages are masked.
With several rasa servers the slot the bot asked for last may have been set on the other
server, so a customer message that is nothing but six digits is masked as well.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa.core.brokers.pika import PikaEventBroker

from bot.runtime.event_relay import PIN_MASK, AskedSlots, slim

logger = logging.getLogger(__name__)

_ALONE_PIN = re.compile(r"\D{0,12}\d{6}\D{0,12}")


def reduce_event(event: dict[str, Any], asking_for: str | None) -> dict[str, Any] | None:
    body = slim(event, asking_for)
    if body and body["event"] == "user" and isinstance(body.get("text"), str):
        text = body["text"].strip()
        if _ALONE_PIN.fullmatch(text):
            body["text"] = re.sub(r"\d{6}", PIN_MASK, text)
    return body


class SlimPikaEventBroker(PikaEventBroker):
    def __init__(self, host: str, username: str = "", password: str = "", **kwargs: Any) -> None:
        # An amqp:// URL carries the credentials; Rasa's broker wants the two arguments anyway.
        super().__init__(host, username, password, **kwargs)
        self._asked = AskedSlots()

    def publish(self, event: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        try:
            body = reduce_event(event, self._asked.note(event))
        except Exception:  # noqa: BLE001 - never break the conversation over the transcript
            logger.exception("event broker: event not published")
            return
        if body is not None:
            super().publish(body, headers)
