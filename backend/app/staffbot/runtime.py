"""The staff bot inside the backend process: one aiogram Dispatcher and Bot per process, fed
either by Telegram's webhook (POST /api/staff-telegram/webhook, when
STAFF_TELEGRAM_WEBHOOK_SECRET is set) or by long polling started in the lifespan.

Long polling with several backend replicas: Telegram gives each update to one getUpdates call
and answers the others 409 Conflict; aiogram backs off and polls again, so every update is
still handled once, by whichever replica got it, at the price of warnings in the log. Use the
webhook with more than one replica (docs/handoff.md "Staff bot")."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram import Bot, Dispatcher

from backend.app.clients.rasa import rasa_client
from backend.app.core.settings import Settings
from backend.app.handoff.hub import console_hub
from backend.app.staffbot import handlers
from backend.app.staffbot.bot import make_bot
from backend.app.staffbot.flows import Context

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/staff-telegram/webhook"
ALLOWED_UPDATES = ["message", "callback_query"]


class StaffBot:
    def __init__(self, settings: Settings, state: Any) -> None:
        self.settings = settings
        self.state = state
        self.bot: Bot = make_bot(settings)
        self.dispatcher = Dispatcher()
        self.dispatcher.include_router(handlers.make_router())
        self._polling: asyncio.Task[None] | None = None
        self.username: str | None = None

    @property
    def webhook_mode(self) -> bool:
        return self.settings.staff_telegram_webhook_secret is not None

    def context(self) -> Context:
        return Context(
            engine=self.state.engine,
            hub=console_hub(self.state),
            rasa=rasa_client(self.state, self.settings),
        )

    async def start(self) -> None:
        self.dispatcher["staffbot"] = self.context()
        try:
            me = await self.bot.get_me()
            self.username = me.username
        except Exception as exc:  # noqa: BLE001 - Telegram may be down at start; the bot still serves later
            log.warning("staff telegram: getMe failed (%s); the console shows no deep link", type(exc).__name__)
        if self.webhook_mode:
            await self._register_webhook()
            log.info("staff telegram bot on the webhook (%s)", WEBHOOK_PATH)
            return
        with contextlib.suppress(Exception):  # a webhook left from before would refuse getUpdates
            await self.bot.delete_webhook(drop_pending_updates=False)
        self._polling = asyncio.create_task(self._poll(), name="staff-telegram-polling")
        log.info("staff telegram bot long-polling")

    async def _poll(self) -> None:
        """aiogram's polling, started again when it ends on an error (its getMe at start fails
        while Telegram is unreachable; getUpdates errors it backs off from itself)."""
        delay = 1.0
        while True:
            try:
                await self.dispatcher.start_polling(
                    self.bot, handle_signals=False, close_bot_session=False, allowed_updates=ALLOWED_UPDATES
                )
                return  # stopped
            except Exception as exc:  # noqa: BLE001 - retried below
                log.warning("staff telegram: polling stopped (%s); again in %.0f s", type(exc).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60.0)

    async def _register_webhook(self) -> None:
        """setWebhook when STAFF_TELEGRAM_WEBHOOK_URL names the public address; otherwise it is
        the operator's (an HTTPS proxy in front of the backend)."""
        url = self.settings.staff_telegram_webhook_url
        secret = self.settings.staff_telegram_webhook_secret
        if not url or secret is None:
            return
        try:
            await self.bot.set_webhook(url, secret_token=secret.get_secret_value(), allowed_updates=ALLOWED_UPDATES)
        except Exception as exc:  # noqa: BLE001 - updates may still come to an earlier registration
            log.warning("staff telegram: setWebhook failed (%s)", type(exc).__name__)

    async def feed(self, update: dict[str, Any]) -> None:
        """One update from the webhook; a failure is logged, never answered to Telegram with an
        error (it would send the same update again and again)."""
        try:
            await self.dispatcher.feed_raw_update(self.bot, update)
        except Exception:
            log.exception("staff telegram: update %s failed", update.get("update_id"))

    async def stop(self) -> None:
        if self._polling is not None:
            task, self._polling = self._polling, None
            with contextlib.suppress(Exception):  # RuntimeError: between two attempts
                await self.dispatcher.stop_polling()
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout=5)
            except BaseException:  # noqa: BLE001 - still in a long poll or a back-off: cancel it
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        with contextlib.suppress(Exception):
            await self.bot.session.close()


def staff_bot(settings: Settings, state: Any) -> StaffBot | None:
    """The process's staff bot; None when STAFF_TELEGRAM_BOT_TOKEN is not set."""
    if settings.staff_telegram_bot_token is None:
        return None
    return StaffBot(settings, state)
