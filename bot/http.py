"""The Rasa side's HTTP connections: one pooled aiohttp session per event loop, shared by every
client of the process (the backend client, the WhatsApp and Twilio APIs), closed on shutdown.

A session belongs to the loop it was opened in, so it is opened lazily inside the running loop
(never before: a session kept from a loop that has gone is what broke Rasa's own Telegram
channel) and each loop gets its own (the action server's pytest runs one loop per test). Who
owns a loop closes its session when the loop's server stops: the channels' base in the rasa
server, actions/__init__.py in the action server. Timeouts and credentials are given per request,
so one session serves every host. No rasa imports.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

import aiohttp

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = weakref.WeakKeyDictionary()


def session() -> aiohttp.ClientSession:
    """The running loop's session (opened on first use, and again after `close()`)."""
    loop = asyncio.get_running_loop()
    current = _sessions.get(loop)
    if current is None or current.closed:
        current = aiohttp.ClientSession()
        _sessions[loop] = current
    return current


async def close() -> None:
    """Closes the running loop's session, if it has one; the next `session()` opens a new one."""
    current = _sessions.pop(asyncio.get_running_loop(), None)
    if current is not None and not current.closed:
        await current.close()


async def post_retrying_once(url: str, **kwargs: Any) -> tuple[int, bytes]:
    """POST through the session; once more, after a second, when nothing answered or the answer
    was 429 or 5xx (what the messaging platforms advise). Returns the last answer's status and
    body: status 0, and the error's name as body, when nothing answered."""
    for attempt in (1, 2):
        try:
            async with session().post(url, **kwargs) as resp:
                status, body = resp.status, await resp.read()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            status, body = 0, type(exc).__name__.encode()
        if attempt == 1 and (status == 0 or status == 429 or status >= 500):
            await asyncio.sleep(1)
            continue
        break
    return status, body
