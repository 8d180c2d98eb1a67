"""WhatsApp (Meta Cloud API) channel for Rasa 3.6: `bot.whatsapp.WhatsAppInput`
in credentials.yml, webhook at /webhooks/whatsapp/webhook.

GET answers Meta's verification handshake (hub.verify_token must equal
WHATSAPP_VERIFY_TOKEN). POST must carry X-Hub-Signature-256, the HMAC-SHA256
of the raw body keyed with WHATSAPP_APP_SECRET; it is answered 200 at once and
the messages are handled in the background, in order per customer, each
message id once (Meta retries). Replies go to
{WHATSAPP_API_BASE_URL}/{WHATSAPP_API_VERSION}/{WHATSAPP_PHONE_NUMBER_ID}/messages.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.common import Deduper, KeyedSerializer, Media, log_id
from bot.config import WhatsAppSettings
from bot.delivery import deliver, domain_intents
from bot.http import AttachmentStore, HttpClient
from bot.ops import timed
from bot.signatures import META_SIGNATURE_HEADER, meta_signature_ok, verify_token_ok
from bot.whatsapp_payload import button_messages, image_message, parse_webhook, text_messages

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"


class GraphError(Exception):
    pass


class GraphApi:
    def __init__(self, settings: WhatsAppSettings, http: HttpClient | None = None) -> None:
        self.settings = settings
        self.http = http or HttpClient(timeout=30)

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.access_token}"}

    async def send(self, message: dict[str, Any]) -> None:
        for attempt in (1, 2):
            try:
                async with self.http.session.post(self.settings.messages_url, json=message, headers=self._auth) as resp:
                    body = await resp.text()
                    if resp.status < 300:
                        return
                    status = resp.status
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                status, body = 0, type(exc).__name__
            if attempt == 1 and (status == 0 or status == 429 or status >= 500):
                await asyncio.sleep(1)
                continue
            raise GraphError(f"messages answered {status or 'nothing'}: {_error_summary(body)}")

    async def download(self, media_id: str) -> tuple[bytes, str]:
        """GET /{version}/{media-id} gives a short-lived URL; that URL needs the token too."""
        try:
            async with self.http.session.get(self.settings.media_url(media_id), headers=self._auth) as resp:
                if resp.status != 200:
                    raise GraphError(f"media lookup answered {resp.status}")
                info = await resp.json(content_type=None)
            async with self.http.session.get(info["url"], headers=self._auth) as resp:
                if resp.status != 200:
                    raise GraphError(f"media download answered {resp.status}")
                return await resp.read(), info.get("mime_type") or resp.headers.get("Content-Type", "")
        except (aiohttp.ClientError, asyncio.TimeoutError, KeyError, ValueError) as exc:
            raise GraphError(f"media download failed ({type(exc).__name__})") from None


def _error_summary(body: str) -> str:
    """Graph errors as code + title, never the message we tried to send."""
    try:
        error = json.loads(body).get("error") or {}
        return f"{error.get('code')} {error.get('type') or ''}".strip()
    except (ValueError, AttributeError):
        return "unreadable answer"


class WhatsAppOutput(OutputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, api: GraphApi) -> None:
        self.api = api

    async def _send_all(self, recipient_id: str, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            try:
                await self.api.send(message)
            except GraphError as exc:
                logger.error("whatsapp: reply to %s failed: %s", log_id(recipient_id), exc)
                return

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_all(recipient_id, text_messages(recipient_id, text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send_all(recipient_id, button_messages(recipient_id, text, buttons))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send_all(recipient_id, [image_message(recipient_id, image)])

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """`custom: {whatsapp: {...Graph message...}}` is sent as is; other custom payloads are skipped."""
        spec = json_message.get("whatsapp") if isinstance(json_message, dict) else None
        if isinstance(spec, dict):
            message = {"messaging_product": "whatsapp", "to": recipient_id, **spec}
            await self._send_all(recipient_id, [message])


class WhatsAppInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(WhatsAppSettings.from_env(credentials))

    def __init__(self, settings: WhatsAppSettings, store: AttachmentStore | None = None) -> None:
        self.settings = settings
        self.api = GraphApi(settings)
        self.store = store or AttachmentStore()
        self.seen = Deduper()
        self.queue = KeyedSerializer()
        if not settings.enabled:
            logger.info("whatsapp channel off: WHATSAPP_ACCESS_TOKEN is not set")
        else:
            if not settings.app_secret:
                logger.warning("whatsapp: WHATSAPP_APP_SECRET is not set, every webhook call will be refused")
            if not settings.phone_number_id:
                logger.warning("whatsapp: WHATSAPP_PHONE_NUMBER_ID is not set, replies will fail")

    def get_output_channel(self) -> OutputChannel | None:
        return WhatsAppOutput(self.api) if self.settings.enabled else None

    async def _fetch(self, media: Media) -> tuple[bytes, str]:
        return await self.api.download(media.ref)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = timed(self.name(), on_new_message)
        bp = Blueprint("whatsapp_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings.enabled else "off"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            args = request.args
            if args.get("hub.mode") == "subscribe" and verify_token_ok(
                self.settings.verify_token, args.get("hub.verify_token")
            ):
                return response.text(args.get("hub.challenge") or "")
            logger.warning("whatsapp: verification handshake refused")
            return response.text("forbidden", status=403)

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.settings.enabled:
                return response.json({"error": "whatsapp channel is off: WHATSAPP_ACCESS_TOKEN is not set"}, status=503)
            raw = request.body or b""
            if not meta_signature_ok(self.settings.app_secret, raw, request.headers.get(META_SIGNATURE_HEADER)):
                logger.warning("whatsapp: webhook call refused (missing or wrong X-Hub-Signature-256)")
                return response.json({"error": "forbidden"}, status=403)
            try:
                body = json.loads(raw)
            except ValueError:
                return response.json({"error": "expected JSON"}, status=400)
            intents = domain_intents(request.app)
            for inbound in parse_webhook(body, self.settings.phone_number_id):
                if self.seen.seen(inbound.message_id):
                    continue

                async def job(inbound=inbound) -> None:
                    await deliver(
                        inbound,
                        channel=CHANNEL,
                        output=WhatsAppOutput(self.api),
                        on_new_message=on_new_message,
                        fetch=self._fetch,
                        store=self.store,
                        intents=intents,
                    )

                def failed(exc: BaseException, who: str = log_id(inbound.sender_id)) -> None:
                    logger.error("whatsapp: message from %s failed: %s", who, type(exc).__name__, exc_info=exc)

                self.queue.submit(inbound.sender_id, job, failed)
            return response.text("EVENT_RECEIVED")

        @bp.listener("before_server_stop")
        async def close(_app: Any, _loop: Any) -> None:
            await self.queue.drain()
            await self.api.http.close()
            await self.store.http.close()

        return bp
