"""Alerts to an agent's linked Telegram chat through the staff bot (aiogram's Bot), with the
buttons an agent acts on: take (a waiting conversation, or the complaint), open in the
console, snooze. The dispatcher's route "staff_telegram" (backend/app/alerts) calls `send`;
failures are the notifications' Permanent/Transient, so the claim, retries and the failed view
work as for every other route."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from backend.app.core.settings import Settings
from backend.app.notifications.outgoing import Outgoing, Permanent, Transient
from backend.app.staffbot import callbacks
from backend.app.staffbot.bot import make_bot
from backend.app.staffbot.texts import text

log = logging.getLogger(__name__)


def alert_keyboard(message: Outgoing, *, with_url: bool = True) -> InlineKeyboardMarkup | None:
    """take (a handoff, else a complaint), open in the console (a URL), snooze (the alert)."""
    extra, lang = message.extra, message.language
    row: list[InlineKeyboardButton] = []
    if extra.get("handoff_id"):
        data = callbacks.pack(callbacks.TAKE, int(extra["handoff_id"]))
        row.append(InlineKeyboardButton(text=text(lang, "bot.take"), callback_data=data))
    elif extra.get("complaint_id") and extra.get("assignable", True):
        data = callbacks.pack(callbacks.ASSIGN, int(extra["complaint_id"]))
        row.append(InlineKeyboardButton(text=text(lang, "bot.take"), callback_data=data))
    if with_url and extra.get("console_url"):
        row.append(InlineKeyboardButton(text=text(lang, "bot.open"), url=str(extra["console_url"])))
    if extra.get("alert_id"):
        data = callbacks.pack(callbacks.SNOOZE, int(extra["alert_id"]))
        row.append(InlineKeyboardButton(text=text(lang, "bot.snooze"), callback_data=data))
    return InlineKeyboardMarkup(inline_keyboard=[row]) if row else None


def _url_refused(exc: TelegramBadRequest) -> bool:
    # Telegram refuses URL buttons to hosts it cannot reach (localhost, a bare IP of a LAN):
    # the alert still goes, without that button.
    return "url" in str(exc.message).lower()


def _loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "127.0.0.1", "::1") or host.endswith(".localhost")


class StaffTelegramSender:
    name = "staff_telegram"

    def __init__(self, settings: Settings) -> None:
        # Off when unset, like every channel: no route rather than a route that always fails.
        if settings.staff_telegram_bot_token is None:
            raise Permanent("STAFF_TELEGRAM_BOT_TOKEN not set")
        self.settings = settings
        self._bot: Bot | None = None
        self._lock = asyncio.Lock()

    async def _get_bot(self) -> Bot:
        async with self._lock:
            if self._bot is None:
                if self.settings.staff_telegram_bot_token is None:
                    raise Permanent("STAFF_TELEGRAM_BOT_TOKEN not set")
                self._bot = make_bot(self.settings, timeout=self.settings.notification_send_timeout_seconds)
            return self._bot

    async def send(self, message: Outgoing) -> str:
        chat_id = message.extra.get("chat_id")
        if not isinstance(chat_id, int) and not (isinstance(chat_id, str) and chat_id.lstrip("-").isdigit()):
            raise Permanent("no linked Telegram chat")
        bot = await self._get_bot()
        url = str(message.extra.get("console_url") or "")
        try:
            try:
                sent = await bot.send_message(
                    chat_id=int(chat_id), text=message.text, reply_markup=alert_keyboard(message)
                )
            except TelegramBadRequest as exc:
                if not url or not (_url_refused(exc) or _loopback(url)):
                    raise
                log.info("staff telegram: console URL button refused; sending alert %s without it", message.key)
                sent = await bot.send_message(
                    chat_id=int(chat_id), text=message.text, reply_markup=alert_keyboard(message, with_url=False)
                )
        except TelegramRetryAfter as exc:
            raise Transient("staff telegram: flood control", retry_after=float(exc.retry_after)) from None
        except (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound, TelegramUnauthorizedError) as exc:
            # Blocked by the agent, chat gone, or a wrong token: this route cannot deliver it.
            raise Permanent(f"staff telegram refused: {type(exc).__name__}") from None
        except TelegramAPIError as exc:  # server errors, conflicts
            raise Transient(f"staff telegram: {type(exc).__name__}") from None
        except Exception as exc:  # noqa: BLE001 - aiogram's network errors and timeouts
            raise Transient(f"staff telegram: {type(exc).__name__}") from None
        return str(sent.message_id)

    async def close(self) -> None:
        if self._bot is not None:
            bot, self._bot = self._bot, None
            try:
                await bot.session.close()
            except Exception:  # noqa: BLE001 - closing anyway
                pass


def settings_ready(settings: Settings) -> bool:
    return settings.staff_telegram_bot_token is not None


__all__ = ["StaffTelegramSender", "alert_keyboard", "settings_ready"]
