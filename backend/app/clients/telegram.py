"""The backend's one Telegram library: aiogram's Bot, for the staff bot (backend/app/staffbot)
and for the notifications sent straight to a customer's chat (notifications/senders.py).
python-telegram-bot serves the customers' channel on the Rasa side (bot/channels/telegram);
docs/channels.md says why each environment has the one it has.

Every Bot API base URL comes from the settings (a local Bot API server, or the tests' loopback
one): aiogram's TelegramAPIServer.from_base builds the method and file URLs from it."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

# Request URLs carry the bot token: the clients' own request logs stay at WARNING.
for _logger in ("aiogram.event", "aiohttp.access", "aiohttp.client"):
    logging.getLogger(_logger).setLevel(logging.WARNING)


def aiogram_bot(token: str, base_url: str, *, timeout: float = 30.0) -> Bot:
    """A Bot on its own aiohttp session (close it with `await bot.session.close()`)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(base_url.rstrip("/")), timeout=timeout)
    return Bot(token, session=session)
