"""Telegram channel for Rasa 3.6: `bot.telegram.TelegramInput` in credentials.yml.

Webhook at /webhooks/telegram/webhook. Every update must carry
X-Telegram-Bot-Api-Secret-Token equal to TELEGRAM_WEBHOOK_SECRET (no secret
configured: every update is refused). With TELEGRAM_WEBHOOK_URL set, setWebhook
is called at start-up with that URL and the secret. For development without a
public URL, `python -m bot.telegram_polling` feeds getUpdates to this same
webhook handler.

Replaces Rasa's own telegram channel, which fails on this machine (aiogram's
session bound to a closed loop), cannot change the API base URL, drops
language_code and has no secret check.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.common import Deduper, Ignored, Media, log_id, split_text
from bot.config import TelegramSettings
from bot.delivery import deliver, domain_intents
from bot.http import AttachmentStore
from bot.ops import timed
from bot.signatures import TELEGRAM_SECRET_HEADER, telegram_secret_ok
from bot.telegram_api import BotApi, TelegramError
from bot.telegram_updates import ALLOWED_UPDATES, MAX_TEXT, inline_keyboard, parse_update

logger = logging.getLogger(__name__)

CHANNEL = "telegram"


class TelegramOutput(OutputChannel):
    """Replies through the Bot API; recipient_id is the private chat's id."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, api: BotApi) -> None:
        self.api = api

    async def _send(self, method: str, payload: dict[str, Any]) -> None:
        try:
            await self.api.call_retrying(method, payload)
        except TelegramError as exc:
            if exc.code == 403:
                logger.warning(
                    "telegram: %s refused for chat %s (bot blocked or chat gone)",
                    method,
                    log_id(payload.get("chat_id")),
                )
            else:
                logger.error("telegram: %s failed for chat %s: %s", method, log_id(payload.get("chat_id")), exc)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for piece in split_text(text, MAX_TEXT):
            await self._send("sendMessage", {"chat_id": recipient_id, "text": piece})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        pieces = split_text(text, MAX_TEXT) or [""]
        for piece in pieces[:-1]:
            await self._send("sendMessage", {"chat_id": recipient_id, "text": piece})
        await self._send(
            "sendMessage",
            {"chat_id": recipient_id, "text": pieces[-1] or "\u2b07", "reply_markup": inline_keyboard(buttons)},
        )

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send("sendPhoto", {"chat_id": recipient_id, "photo": image})

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        url = attachment if isinstance(attachment, str) else (attachment or {}).get("payload", {}).get("src")
        if url:
            await self._send("sendDocument", {"chat_id": recipient_id, "document": url})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """`custom: {telegram: {method: sendLocation, ...params}}` calls that method; anything else
        is not for this channel and is skipped (never dumped as text to the customer)."""
        spec = json_message.get("telegram") if isinstance(json_message, dict) else None
        if isinstance(spec, dict) and isinstance(spec.get("method"), str):
            params = {k: v for k, v in spec.items() if k != "method"}
            params.setdefault("chat_id", recipient_id)
            await self._send(spec["method"], params)


class TelegramInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(TelegramSettings.from_env(credentials))

    def __init__(self, settings: TelegramSettings, store: AttachmentStore | None = None) -> None:
        self.settings = settings
        self.api = BotApi(settings) if settings.enabled else None
        self.store = store or AttachmentStore()
        self.seen = Deduper()
        if not settings.enabled:
            logger.info("telegram channel off: TELEGRAM_BOT_TOKEN is not set")
        elif not settings.webhook_secret:
            logger.warning("telegram: TELEGRAM_WEBHOOK_SECRET is not set, every webhook call will be refused")

    def get_output_channel(self) -> OutputChannel | None:
        return TelegramOutput(self.api) if self.api else None

    async def _fetch(self, media: Media) -> tuple[bytes, str]:
        assert self.api is not None
        content, content_type = await self.api.download(media.ref)
        return content, media.content_type if content_type in ("", "application/octet-stream") else content_type

    async def handle_update(
        self, update: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]], app: Any
    ) -> str:
        """The one handler for webhook and long polling. Returns what was done, for logs and tests."""
        assert self.api is not None
        if self.seen.seen(f"u{update.get('update_id')}" if update.get("update_id") is not None else None):
            return "duplicate"
        inbound = parse_update(update)
        if isinstance(inbound, Ignored):
            logger.debug("telegram: update %s ignored (%s)", update.get("update_id"), inbound.reason)
            return f"ignored: {inbound.reason}"
        callback_id = inbound.metadata.get("telegram", {}).get("callback_query_id")
        if callback_id:
            try:
                await self.api.call("answerCallbackQuery", {"callback_query_id": callback_id})
            except TelegramError as exc:
                logger.info("telegram: answerCallbackQuery failed: %s", exc)
        await deliver(
            inbound,
            channel=CHANNEL,
            output=TelegramOutput(self.api),
            on_new_message=on_new_message,
            fetch=self._fetch,
            store=self.store,
            intents=domain_intents(app),
        )
        return inbound.kind

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = timed(self.name(), on_new_message)
        bp = Blueprint("telegram_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings.enabled else "off"})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.settings.enabled:
                return response.json({"error": "telegram channel is off: TELEGRAM_BOT_TOKEN is not set"}, status=503)
            if not telegram_secret_ok(self.settings.webhook_secret, request.headers.get(TELEGRAM_SECRET_HEADER)):
                logger.warning("telegram: webhook call refused (missing or wrong secret token)")
                return response.json({"error": "forbidden"}, status=403)
            try:
                update = request.json
            except Exception:  # noqa: BLE001 - sanic raises its own error types for bad JSON
                update = None
            if not isinstance(update, dict):
                return response.json({"error": "expected a Telegram update object"}, status=400)
            try:
                outcome = await self.handle_update(update, on_new_message, request.app)
            except Exception:  # noqa: BLE001 - answer 200 anyway, or Telegram redelivers forever
                logger.exception("telegram: update %s failed", update.get("update_id"))
                outcome = "failed"
            return response.json({"ok": True, "outcome": outcome})

        @bp.listener("after_server_start")
        async def set_webhook(_app: Any, _loop: Any) -> None:
            if not (self.api and self.settings.webhook_url):
                return
            if not self.settings.webhook_secret:
                logger.error("telegram: TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not: no setWebhook")
                return
            try:
                await self.api.call(
                    "setWebhook",
                    {
                        "url": self.settings.webhook_url,
                        "secret_token": self.settings.webhook_secret,
                        "allowed_updates": ALLOWED_UPDATES,
                    },
                )
                logger.info("telegram: webhook registered")
            except TelegramError as exc:
                logger.error("telegram: setWebhook failed: %s", exc)

        @bp.listener("before_server_stop")
        async def close(_app: Any, _loop: Any) -> None:
            if self.api:
                await self.api.close()
            await self.store.http.close()

        return bp
