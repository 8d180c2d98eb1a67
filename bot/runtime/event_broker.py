"""A Rasa event broker that feeds the backend's conversation transcripts and agent console.

endpoints.yml:

    event_broker:
      type: bot.runtime.event_broker.BackendEventBroker
      url: ${BACKEND_URL}          # optional: BACKEND_URL from the environment otherwise

The service token comes from SERVICE_TOKEN (a `token:` key overrides it; keep secrets out of
the file). Options: batch_size (100), flush_interval seconds (0.025), max_buffer events
(20000), timeout seconds (10), max_body bytes a request (1000000: under the backend's
MAX_BODY_BYTES; a batch is split to fit). The work happens in bot.runtime.event_relay on a background thread:
`publish` returns at once and never raises, so a slow or absent backend never holds up or
breaks a conversation.
"""

from __future__ import annotations

import asyncio
import logging
from asyncio import AbstractEventLoop
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.runtime.event_relay import EventRelay

logger = logging.getLogger(__name__)

_OPTIONS = {"batch_size": int, "flush_interval": float, "max_buffer": int, "timeout": float, "max_body": int}


class BackendEventBroker(EventBroker):
    def __init__(self, relay: EventRelay) -> None:
        self.relay = relay

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig | None, event_loop: AbstractEventLoop | None = None
    ) -> BackendEventBroker | None:
        config = broker_config.kwargs if broker_config is not None else {}
        options = {name: kind(config[name]) for name, kind in _OPTIONS.items() if config.get(name) not in (None, "")}
        relay = EventRelay.from_env(
            url=(broker_config.url if broker_config is not None else None) or None,
            token=(broker_config.token if broker_config is not None else None) or None,
            **options,
        )
        logger.info("event broker: forwarding conversation events to the backend")
        return cls(relay)

    def publish(self, event: dict[str, Any]) -> None:
        self.relay.submit(event)

    def is_ready(self) -> bool:
        return True

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.relay.close)
