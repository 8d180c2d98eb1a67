"""Which web chat conversations have a page connected now, and since when a closed one has
been closed: what the backend asks before it counts a notice as delivered through the chat,
and what the channel replays when the customer comes back.

Per conversation (`wc:<32 hex>`) two facts:
- the sockets connected now;
- `seen`: the last moment a socket of the conversation was known connected (written when the
  last one leaves, and refreshed while one is connected). A bot message in the tracker after
  it was emitted into an empty room: the customer has not seen it.

One rasa server keeps both in its memory (`MemoryPresence`). Several rasa servers share them
in Redis (`RedisPresence`, SOCKETIO_REDIS_URL, the Redis of the shared rooms): the socket of a
conversation may sit on any server, and the backend's question may reach any other one. A
server that dies cannot say its sockets left: each entry expires after
WEBCHAT_PRESENCE_TTL_SECONDS unless its server refreshes it (every third of that), so a dead
server's sockets count as connected for at most that long.

Standard library (and redis-py, the rasa environment's, when Redis is used): the backend's
tests import nothing from here.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import OrderedDict
from typing import Any, Protocol

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 30.0
# How long a closed conversation's `seen` is kept: beyond it nothing is replayed (a customer
# coming back after that long gets the e-mail or SMS copy, and the tracker's own history).
SEEN_KEEP_SECONDS = 90 * 24 * 3600
MEMORY_CONVERSATIONS = 100_000  # closed conversations remembered by one process


class Presence(Protocol):
    async def joined(self, conversation: str, sid: str) -> None: ...

    async def left(self, conversation: str, sid: str) -> None: ...

    async def connected(self, conversation: str) -> bool: ...

    async def seen_until(self, conversation: str) -> float | None:
        """`seen` of a conversation without a connected socket; now when one is connected;
        None when nothing is known (never connected, or forgotten)."""
        ...

    async def refresh(self, sockets: dict[str, str]) -> None:
        """Keeps this process's sockets ({sid: conversation}) alive in a shared store."""
        ...

    async def close(self) -> None: ...


class MemoryPresence:
    """One process: the sockets are exactly the ones this process holds."""

    def __init__(self, *, clock: Any = time.time) -> None:
        self._sockets: dict[str, set[str]] = {}
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._clock = clock

    async def joined(self, conversation: str, sid: str) -> None:
        self._sockets.setdefault(conversation, set()).add(sid)

    async def left(self, conversation: str, sid: str) -> None:
        sockets = self._sockets.get(conversation)
        if sockets is None:
            return
        sockets.discard(sid)
        if not sockets:
            del self._sockets[conversation]
            self._seen[conversation] = self._clock()
            self._seen.move_to_end(conversation)
            while len(self._seen) > MEMORY_CONVERSATIONS:
                self._seen.popitem(last=False)

    async def connected(self, conversation: str) -> bool:
        return bool(self._sockets.get(conversation))

    async def seen_until(self, conversation: str) -> float | None:
        if self._sockets.get(conversation):
            return float(self._clock())
        return self._seen.get(conversation)

    async def refresh(self, sockets: dict[str, str]) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisPresence:
    """Shared by every rasa server: a sorted set of the conversation's sockets scored by when
    each entry expires, and the `seen` time."""

    def __init__(
        self, redis: Any, *, ttl: float = DEFAULT_TTL_SECONDS, prefix: str = "webchat", clock: Any = time.time
    ):
        self.redis = redis
        self.ttl = ttl
        self.prefix = prefix
        self._clock = clock

    @classmethod
    def from_url(cls, url: str, *, ttl: float = DEFAULT_TTL_SECONDS) -> RedisPresence:
        import redis.asyncio

        return cls(redis.asyncio.Redis.from_url(url), ttl=ttl)

    def _sockets_key(self, conversation: str) -> str:
        return f"{self.prefix}:sockets:{conversation}"

    def _seen_key(self, conversation: str) -> str:
        return f"{self.prefix}:seen:{conversation}"

    async def joined(self, conversation: str, sid: str) -> None:
        await self.refresh({sid: conversation})

    async def left(self, conversation: str, sid: str) -> None:
        now = self._clock()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self._sockets_key(conversation), sid)
            pipe.set(self._seen_key(conversation), repr(now), ex=SEEN_KEEP_SECONDS)
            await pipe.execute()

    async def connected(self, conversation: str) -> bool:
        count = await self.redis.zcount(self._sockets_key(conversation), f"({self._clock()!r}", "+inf")
        return bool(count)

    async def seen_until(self, conversation: str) -> float | None:
        if await self.connected(conversation):
            return float(self._clock())
        value = await self.redis.get(self._seen_key(conversation))
        return float(value) if value is not None else None

    async def refresh(self, sockets: dict[str, str]) -> None:
        if not sockets:
            return
        now = self._clock()
        expires = now + self.ttl
        async with self.redis.pipeline(transaction=False) as pipe:
            for sid, conversation in sockets.items():
                key = self._sockets_key(conversation)
                pipe.zadd(key, {sid: expires})
                pipe.zremrangebyscore(key, "-inf", repr(now))  # entries of servers that died
                pipe.expire(key, int(self.ttl) + 1)
                pipe.set(self._seen_key(conversation), repr(now), ex=SEEN_KEEP_SECONDS)
            await pipe.execute()

    async def close(self) -> None:
        await self.redis.close()


def from_env() -> MemoryPresence | RedisPresence:
    """Redis when the rooms are shared through it (SOCKETIO_REDIS_URL), else this process."""
    ttl = float(os.environ.get("WEBCHAT_PRESENCE_TTL_SECONDS", "").strip() or DEFAULT_TTL_SECONDS)
    url = os.environ.get("SOCKETIO_REDIS_URL", "").strip()
    if url:
        return RedisPresence.from_url(url, ttl=ttl)
    return MemoryPresence()


async def keep_alive(presence: Presence, sockets: dict[str, str], interval: float) -> None:
    """Refreshes this process's sockets every `interval` seconds until cancelled."""
    while True:
        await asyncio.sleep(interval)
        try:
            await presence.refresh(dict(sockets))
        except Exception as exc:  # noqa: BLE001 - Redis away for a moment: try again next time
            logger.warning("webchat: presence refresh failed (%s)", type(exc).__name__)
