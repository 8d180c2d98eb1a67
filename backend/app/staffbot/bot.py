"""The staff bot's aiogram Bot: STAFF_TELEGRAM_BOT_TOKEN on STAFF_TELEGRAM_API_BASE_URL."""

from __future__ import annotations

from aiogram import Bot

from backend.app.clients.telegram import aiogram_bot
from backend.app.core.settings import Settings


def make_bot(settings: Settings, *, timeout: float = 30.0) -> Bot:
    secret = settings.staff_telegram_bot_token
    if secret is None:
        raise RuntimeError("STAFF_TELEGRAM_BOT_TOKEN not set")
    return aiogram_bot(secret.get_secret_value(), settings.staff_telegram_api_base_url, timeout=timeout)
