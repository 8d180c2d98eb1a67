"""Files customers send, downloaded from their platform with a size cap (ATTACHMENT_MAX_BYTES).

The size the platform declares (the media's metadata, then Content-Length) is checked before a
byte of the file is read; the body is then read in chunks and the download stops as soon as the
cap is passed, so no more than the cap is ever held in memory. A refused file raises TooLarge;
the channel's delivery logs it (without personal data) and the customer's message goes on.
No rasa imports.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from bot import http
from bot.settings import settings

CHUNK = 64 * 1024


class DownloadError(Exception):
    """The platform did not give the file (status, transport): the message names no URL."""


class TooLarge(DownloadError):
    def __init__(self, limit: int, declared: int | None = None) -> None:
        # In MiB: the logs' redaction masks long digit runs as phone numbers.
        said = f"declared {_mib(declared)}" if declared is not None else "more than that"
        super().__init__(f"file too large ({said}, the limit is {_mib(limit)})")
        self.limit = limit
        self.declared = declared


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def cap() -> int:
    return settings.attachment_max_bytes


def check_declared(size: Any, limit: int | None = None) -> None:
    """Refuses a file whose size, as the platform states it, is above the cap."""
    limit = cap() if limit is None else limit
    if isinstance(size, int) and size > limit:
        raise TooLarge(limit, size)


async def read_capped(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """The response's body, at most `limit` bytes; TooLarge (connection closed) past it."""
    try:
        check_declared(resp.content_length, limit)
        body = bytearray()
        async for chunk in resp.content.iter_chunked(CHUNK):
            if len(body) + len(chunk) > limit:
                raise TooLarge(limit)
            body += chunk
        return bytes(body)
    except TooLarge:
        resp.close()  # the rest is never read: the connection is dropped, not drained
        raise


async def download(url: str, *, limit: int | None = None, **request: Any) -> tuple[bytes, str]:
    """GET `url` through the shared session (headers, auth, timeout in `request`): the body
    (capped) and its Content-Type."""
    limit = cap() if limit is None else limit
    try:
        async with http.session().get(url, **request) as resp:
            if resp.status != 200:
                raise DownloadError(f"download answered {resp.status}")
            return await read_capped(resp, limit), resp.headers.get("Content-Type", "")
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise DownloadError(f"download failed ({type(exc).__name__})") from None
