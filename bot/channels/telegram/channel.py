"""Telegram channel for Rasa 3.6: `bot.channels.telegram.channel.TelegramInput` in credentials.yml.

Webhook at /webhooks/telegram/webhook. Every update must carry
X-Telegram-Bot-Api-Secret-Token equal to TELEGRAM_WEBHOOK_SECRET (no secret
configured: every update is refused). With TELEGRAM_WEBHOOK_URL set, setWebhook
is called at start-up with that URL and the secret. For development without a
public URL, `python -m bot.channels.telegram.polling` feeds getUpdates to this same
webhook handler.

Updates are read and replies sent with python-telegram-bot (`telegram.Bot` at
TELEGRAM_API_BASE_URL, so a local Bot API serves it in tests). An update is handled before the
webhook answers, and the answer says what was done: Telegram waits for it before the chat's
next update, and the tests read it.

Replaces Rasa's own telegram channel, which fails on this machine (aiogram's
session bound to a closed loop), cannot change the API base URL, drops
language_code and has no secret check.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot
from telegram.error import Forbidden, TelegramError
from telegram.warnings import PTBUserWarning

from bot.channels import downloads
from bot.channels.base import BadRequest, SendError, WebhookInput, WebhookOutput
from bot.channels.messages import Ignored, Inbound, Media, split_text
from bot.channels.redaction import log_id
from bot.channels.settings import TelegramSettings
from bot.channels.signatures import TELEGRAM_SECRET_HEADER, telegram_secret_ok
from bot.channels.telegram.api import call_retrying, make_bot
from bot.channels.telegram.updates import ALLOWED_UPDATES, MAX_TEXT, inline_keyboard, parse_update
from contract import conversation_ids

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
_DOWNLOAD_TIMEOUT = aiohttp.ClientTimeout(total=60)  # files up to 20 MB (getFile's limit)


class TelegramOutput(WebhookOutput):
    """Replies through the Bot API; recipient_id is the conversation (`tg:<private chat id>`). A
    message is a (description, call) pair: what to log, and the Bot call that sends it."""

    channel = CHANNEL
    prefix = conversation_ids.TELEGRAM

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, message: tuple[str, Callable[[], Awaitable[Any]]]) -> None:
        method, request = message
        try:
            await call_retrying(request)
        except TelegramError as exc:
            raise SendError(f"{method}: {exc}") from exc

    def report(self, recipient_id: str, error: SendError) -> None:
        if isinstance(error.__cause__, Forbidden):
            logger.warning("telegram: %s refused for chat %s (bot blocked or chat gone)", error, log_id(recipient_id))
        else:
            super().report(recipient_id, error)

    def _text(self, recipient_id: str, text: str, **kwargs: Any) -> tuple[str, Callable[[], Awaitable[Any]]]:
        return "sendMessage", lambda: self.bot.send_message(recipient_id, text, **kwargs)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        chat = self.to(recipient_id)
        if chat is None:
            return
        # Each piece on its own: a piece Telegram refuses does not hold back the next.
        for piece in split_text(text, MAX_TEXT):
            await self._send_all(recipient_id, [self._text(chat, piece)])

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        chat = self.to(recipient_id)
        if chat is None:
            return
        pieces = split_text(text, MAX_TEXT) or [""]
        for piece in pieces[:-1]:
            await self._send_all(recipient_id, [self._text(chat, piece)])
        keyboard = inline_keyboard(buttons)
        await self._send_all(recipient_id, [self._text(chat, pieces[-1] or "\u2b07", reply_markup=keyboard)])

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        chat = self.to(recipient_id)
        if chat is not None:
            await self._send_all(recipient_id, [("sendPhoto", lambda: self.bot.send_photo(chat, image))])

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        url = attachment if isinstance(attachment, str) else (attachment or {}).get("payload", {}).get("src")
        chat = self.to(recipient_id) if url else None
        if chat is not None:
            await self._send_all(recipient_id, [("sendDocument", lambda: self.bot.send_document(chat, url))])

    async def send_custom(self, recipient_id: str, spec: dict[str, Any]) -> None:
        """`custom: {telegram: {method: sendLocation, ...params}}` calls that Bot API method."""
        method = spec.get("method")
        chat = self.to(recipient_id) if isinstance(method, str) else None
        if chat is None:
            return
        params = {k: v for k, v in spec.items() if k not in ("method", "chat_id")}
        params["chat_id"] = chat  # the conversation's own chat, never one the domain names

        async def call() -> Any:
            with warnings.catch_warnings():
                # PTB suggests its own method when one exists; the domain names the Bot API's.
                warnings.simplefilter("ignore", PTBUserWarning)
                return await self.bot.do_api_request(method, api_kwargs=params)

        await self._send_all(recipient_id, [(method, call)])


class TelegramInput(WebhookInput):
    channel = CHANNEL
    settings_type = TelegramSettings
    token_names = "TELEGRAM_BOT_TOKEN"
    signature_name = "secret token"
    background = False  # Telegram waits for the answer; the outcome is in it

    def __init__(self, settings: TelegramSettings, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.bot = make_bot(settings) if settings.enabled else None
        if not settings.enabled:
            logger.info("telegram channel off: TELEGRAM_BOT_TOKEN is not set")
        elif not settings.webhook_secret:
            logger.warning("telegram: TELEGRAM_WEBHOOK_SECRET is not set, every webhook call will be refused")

    def output(self) -> TelegramOutput:
        assert self.bot is not None  # the channel is on
        return TelegramOutput(self.bot)

    def authentic(self, request: Request) -> bool:
        return telegram_secret_ok(self.settings.webhook_secret, request.headers.get(TELEGRAM_SECRET_HEADER))

    def parse(self, request: Request) -> list[Inbound | Ignored]:
        try:
            update = request.json
        except Exception:  # noqa: BLE001 - sanic raises its own error types for bad JSON
            update = None
        if not isinstance(update, dict):
            raise BadRequest("expected a Telegram update object")
        return [parse_update(update, self.bot)]

    def dedupe_key(self, inbound: Inbound) -> str | None:
        update_id = inbound.metadata["telegram"].get("update_id")
        return f"u{update_id}" if update_id is not None else None  # Telegram redelivers the update

    async def fetch(self, media: Media) -> tuple[bytes, str]:
        """getFile, then the file streamed with the attachment cap (bot.channels.downloads);
        the sizes Telegram states are checked first. The file's URL holds the bot token: no
        error names it."""
        assert self.bot is not None
        downloads.check_declared(media.size)
        file = await self.bot.get_file(media.ref)
        downloads.check_declared(file.file_size)
        if not file.file_path:
            raise downloads.DownloadError("getFile gave no file path")
        content, _ = await downloads.download(file.file_path, timeout=_DOWNLOAD_TIMEOUT)
        return content, media.content_type

    async def before_delivery(self, inbound: Inbound) -> None:
        callback_id = inbound.metadata["telegram"].get("callback_query_id")
        if callback_id and self.bot:
            try:
                await self.bot.answer_callback_query(callback_id)  # stops the button's spinner
            except TelegramError as exc:
                logger.info("telegram: answerCallbackQuery failed: %s", exc)

    def acknowledge(self, outcomes: list[str]) -> HTTPResponse:
        return response.json({"ok": True, "outcome": outcomes[0] if outcomes else "ignored: nothing"})

    async def on_start(self) -> None:
        assert self.bot is not None
        try:
            await self.bot.initialize()  # its HTTP client, and getMe once: a refused token shows here
        except TelegramError as exc:
            logger.error("telegram: the Bot API did not accept the bot at start-up: %s", exc)
        if not self.settings.webhook_url:
            return
        if not self.settings.webhook_secret:
            logger.error("telegram: TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not: no setWebhook")
            return
        try:
            await self.bot.set_webhook(
                self.settings.webhook_url, secret_token=self.settings.webhook_secret, allowed_updates=ALLOWED_UPDATES
            )
            logger.info("telegram: webhook registered")
        except TelegramError as exc:
            logger.error("telegram: setWebhook failed: %s", exc)

    async def on_stop(self) -> None:
        if self.bot:
            await self.bot.shutdown()
