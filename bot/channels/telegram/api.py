"""The Telegram Bot API client of the channel and the long-polling runner: python-telegram-bot's
`Bot` at TELEGRAM_API_BASE_URL (a local Bot API in tests), and the one retry Telegram advises.
No rasa imports, so the polling runner stays light.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.channels.redaction import redact_in_logs
from bot.channels.settings import TelegramSettings


def make_bot(settings: TelegramSettings) -> Bot:
    """A Bot API client for TELEGRAM_API_BASE_URL; its token kept out of every log line (it is
    part of each request URL), the HTTP client's logger at WARNING."""
    redact_in_logs(settings.token)
    return Bot(
        settings.token,
        base_url=f"{settings.api_base_url}/bot",
        base_file_url=f"{settings.api_base_url}/file/bot",
        # The Bot API answers within a second; a slow answer is waited for (30 s, PTB's default
        # is 5) rather than retried, so a reply is not sent twice.
        request=HTTPXRequest(connect_timeout=10, read_timeout=30, write_timeout=30),
        # getUpdates waits this long beyond its long-poll timeout.
        get_updates_request=HTTPXRequest(connection_pool_size=1, read_timeout=15),
    )


def _transport_failure(exc: NetworkError) -> bool:
    """The request did not get an answer (no connection, a timeout): PTB raises these from
    httpx's error. A NetworkError without one is Telegram's own answer (a 5xx)."""
    return isinstance(exc, TimedOut) or isinstance(exc.__cause__, httpx.HTTPError)


async def call_retrying(request: Callable[[], Awaitable[Any]]) -> Any:
    """Once more after flood control (429: after the wait Telegram asks, at most 5 s) or when no
    answer came (after 1 s). An error Telegram answered with is not retried."""
    try:
        return await request()
    except RetryAfter as exc:
        with warnings.catch_warnings():  # an int today, a timedelta in PTB's next major version
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            wait = exc.retry_after
        await asyncio.sleep(min(wait.total_seconds() if isinstance(wait, timedelta) else float(wait), 5.0))
    except BadRequest:  # a NetworkError to PTB, but Telegram's answer: the same call fails again
        raise
    except NetworkError as exc:
        if not _transport_failure(exc):
            raise
        await asyncio.sleep(1)
    return await request()
