"""The staff bot's aiogram Bot, pointed at STAFF_TELEGRAM_API_BASE_URL (a local Bot API server,
or the tests' loopback one)."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from backend.app.core.settings import Settings

# Request URLs carry the bot token: the clients' own request logs stay at WARNING.
for _logger in ("aiogram.event", "aiohttp.access", "aiohttp.client"):
    logging.getLogger(_logger).setLevel(logging.WARNING)


def make_bot(
    settings: Settings, *, timeout: float = 30.0, token: str | None = None, base_url: str | None = None
) -> Bot:
    if token is None:
        secret = settings.staff_telegram_bot_token
        if secret is None:
            raise RuntimeError("STAFF_TELEGRAM_BOT_TOKEN not set")
        token = secret.get_secret_value()
    base = (base_url or settings.staff_telegram_api_base_url).rstrip("/")
    session = AiohttpSession(api=TelegramAPIServer.from_base(base), timeout=timeout)
    return Bot(token, session=session)
