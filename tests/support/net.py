"""Network helpers of the tests."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def outside_address() -> str:
    """This machine's address on its network (not loopback): the source address of its default
    route, which is how another machine would reach it. Connecting a UDP socket sends nothing."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("198.51.100.1", 9))  # TEST-NET-2: only the route is looked up
        address = s.getsockname()[0]
    assert not address.startswith("127."), f"no address beyond loopback on this machine ({address})"
    return address


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """`app` (aiohttp) on a free loopback port while the block runs; yields its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    finally:
        await runner.cleanup()
