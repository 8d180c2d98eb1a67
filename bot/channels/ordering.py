"""Each platform message once, and each customer's messages in order: the webhook base's
de-duplication and per-customer serialisation (bot.channels.base). No rasa imports."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any


class Deduper:
    """Remembers the last `size` ids seen; `seen(id)` is True for a repeat.

    Platforms retry deliveries they think failed (Meta does, Telegram does on
    non-2xx), so every channel drops an id it has already handled. Per process:
    with several rasa processes behind one address a retry can reach another one.
    """

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def seen(self, key: str | None) -> bool:
        if not key:
            return False
        if key in self._ids:
            self._ids.move_to_end(key)
            return True
        self._ids[key] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return False


class KeyedSerializer:
    """Runs background jobs one at a time per key (per customer), in arrival order.

    Channels that must answer the platform at once (Meta, Twilio) hand the work
    to this; two quick messages of one customer still reach Rasa in order.
    """

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}
        self._tasks: set[asyncio.Task] = set()

    def submit(self, key: str, job: Callable[[], Awaitable[Any]], on_error: Callable[[BaseException], None]) -> None:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1

        async def run() -> None:
            try:
                async with lock:
                    await job()
            except Exception as exc:  # noqa: BLE001 - one failed message must not kill the others
                on_error(exc)
            finally:
                self._waiting[key] -= 1
                if not self._waiting[key]:
                    self._waiting.pop(key, None)
                    self._locks.pop(key, None)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
