"""Telegram long polling for development (no public URL needed).

    .venv-rasa/bin/python -m bot.channels.telegram.polling   (make telegram-polling)

Calls getMe and deleteWebhook, then loops on getUpdates (offset, timeout), all
with python-telegram-bot's Bot, and hands every update to the running rasa
server's Telegram webhook, with the secret header: the same handler code as in
production. An update is confirmed
(offset moves past it) only once rasa accepted it, so nothing is lost while
rasa restarts.

Settings: TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET (any random string, the
same for rasa), TELEGRAM_API_BASE_URL, and RASA_URL (default
http://127.0.0.1:$RASA_PORT).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from typing import Any

import aiohttp
from telegram import Bot
from telegram.error import Conflict, InvalidToken, TelegramError

from bot import http
from bot.channels.settings import TelegramSettings
from bot.channels.signatures import TELEGRAM_SECRET_HEADER
from bot.channels.telegram.api import make_bot
from bot.channels.telegram.updates import ALLOWED_UPDATES

logger = logging.getLogger("bot.channels.telegram.polling")

_FORWARD_TIMEOUT = aiohttp.ClientTimeout(total=120)  # rasa answers after the whole turn


class Forwarder:
    """POSTs updates to rasa's /webhooks/telegram/webhook."""

    def __init__(self, rasa_url: str, secret: str) -> None:
        self.url = f"{rasa_url.rstrip('/')}/webhooks/telegram/webhook"
        self.secret = secret

    async def forward(self, update: dict[str, Any]) -> int:
        async with http.session().post(
            self.url, json=update, headers={TELEGRAM_SECRET_HEADER: self.secret}, timeout=_FORWARD_TIMEOUT
        ) as resp:
            await resp.read()
            return resp.status


class Poller:
    def __init__(self, bot: Bot, forwarder: Forwarder, poll_timeout: int = 25) -> None:
        self.bot = bot
        self.forwarder = forwarder
        self.poll_timeout = poll_timeout
        self.offset: int | None = None
        self.stopping = asyncio.Event()

    async def start(self) -> None:
        await self.bot.initialize()  # getMe: the token is checked before anything else
        logger.info("polling as @%s", self.bot.username)
        await self.bot.delete_webhook(drop_pending_updates=False)

    async def poll_once(self) -> int:
        """One getUpdates round; returns the number of updates handed to rasa."""
        updates = await self.bot.get_updates(
            offset=self.offset, timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES
        )
        handed = 0
        for update in updates:
            await self._forward_until_accepted(update.to_dict())
            self.offset = update.update_id + 1
            handed += 1
        return handed

    async def _forward_until_accepted(self, update: dict[str, Any]) -> None:
        delay = 1.0
        while not self.stopping.is_set():
            try:
                status = await self.forwarder.forward(update)
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                status, reason = 0, type(exc).__name__
            else:
                reason = f"HTTP {status}"
            if 200 <= status < 300:
                return
            if status in (403, 503):
                raise SystemExit(
                    f"rasa refused the update ({reason}): is rasa running with the same TELEGRAM_BOT_TOKEN "
                    "and TELEGRAM_WEBHOOK_SECRET?"
                )
            logger.warning(
                "rasa did not take update %s (%s); retrying in %.0fs", update.get("update_id"), reason, delay
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30)

    async def run(self) -> None:
        await self.start()
        delay = 1.0
        while not self.stopping.is_set():
            try:
                await self.poll_once()
                delay = 1.0
            except InvalidToken as exc:
                raise SystemExit(f"Telegram refused the token ({exc})") from None
            except Conflict as exc:
                raise SystemExit(f"another getUpdates or a webhook is active ({exc})") from None
            except TelegramError as exc:
                logger.warning("getUpdates failed: %s; retrying in %.0fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.channels.telegram.polling", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--rasa-url", default=os.environ.get("RASA_URL") or f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}"
    )
    parser.add_argument("--poll-timeout", type=int, default=int(os.environ.get("TELEGRAM_POLL_TIMEOUT", "25")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    settings = TelegramSettings.from_env()
    if not settings.enabled:
        print("TELEGRAM_BOT_TOKEN is not set: nothing to poll", file=sys.stderr)
        return 2
    if not settings.webhook_secret:
        print(
            "TELEGRAM_WEBHOOK_SECRET is not set: set any random string (A-Z, a-z, 0-9, _ and -), "
            "the same for rasa and for this runner",
            file=sys.stderr,
        )
        return 2
    bot = make_bot(settings)  # after logging is set up: the token is redacted from its handlers
    forwarder = Forwarder(args.rasa_url, settings.webhook_secret)
    poller = Poller(bot, forwarder, args.poll_timeout)

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: (poller.stopping.set(), task and task.cancel()))
    try:
        await poller.run()
    except asyncio.CancelledError:
        logger.info("stopped")
    finally:
        await bot.shutdown()
        await http.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
