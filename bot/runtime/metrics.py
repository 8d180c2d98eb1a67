"""Customer turns of a rasa server, counted and timed for /metrics (bot.runtime.ops).

Every channel of this project wraps Rasa's message handler with `timed(...)` (the webhook
channels through bot.channels.base, the web chat and REST channels themselves), so each customer
message is counted by channel and outcome and its reply time observed, whichever rasa server
takes it. The same places put bot.channels.guard in front of it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from rasa.core.channels.channel import UserMessage

from bot.runtime.patches import gc_pauses

TURNS = Counter("rasa_turns_total", "Customer messages handled", ["channel", "outcome"])
TURN_SECONDS = Histogram(
    "rasa_turn_seconds",
    "From a customer message's arrival to the last reply sent",
    ["channel"],
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0, 30.0),
)
IN_PROGRESS = Gauge("rasa_turns_in_progress", "Customer messages being handled now")
# bot.channels.guard: forged intents (passed on as "nothing readable") and messages over the limit.
REFUSED = Counter("rasa_messages_refused_total", "Customer messages the channels' guard refused", ["channel", "reason"])

Handler = Callable[[UserMessage], Awaitable[Any]]


def timed(channel: str, on_new_message: Handler) -> Handler:
    """The channel's handler, counted and timed."""

    async def handle(message: UserMessage) -> Any:
        started = time.perf_counter()
        IN_PROGRESS.inc()
        outcome = "error"
        try:
            result = await on_new_message(message)
            outcome = "ok"
            return result
        finally:
            IN_PROGRESS.dec()
            TURNS.labels(channel, outcome).inc()
            TURN_SECONDS.labels(channel).observe(time.perf_counter() - started)
            gc_pauses.after_turn()

    return handle
