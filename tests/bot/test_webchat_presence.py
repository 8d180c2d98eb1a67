"""The web chat's presence in one process: connected while a socket is, and `seen` = the moment
the last socket left (what the replay shows messages after)."""

import asyncio

from bot.channels.webchat_presence import MemoryPresence

CHAT = "wc:" + "ab" * 16


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_connected_and_seen_follow_the_sockets() -> None:
    async def scenario() -> None:
        clock = Clock()
        presence = MemoryPresence(clock=clock)
        assert not await presence.connected(CHAT) and await presence.seen_until(CHAT) is None
        await presence.joined(CHAT, "sid-1")
        await presence.joined(CHAT, "sid-2")  # a second tab
        clock.now = 1010.0
        assert await presence.connected(CHAT) and await presence.seen_until(CHAT) == 1010.0
        await presence.left(CHAT, "sid-1")
        assert await presence.connected(CHAT)
        clock.now = 1020.0
        await presence.left(CHAT, "sid-2")
        clock.now = 1500.0
        assert not await presence.connected(CHAT)
        assert await presence.seen_until(CHAT) == 1020.0  # when the last page closed
        await presence.left(CHAT, "sid-2")  # a second disconnect of the same socket changes nothing
        assert await presence.seen_until(CHAT) == 1020.0

    asyncio.run(scenario())
