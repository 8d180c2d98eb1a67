"""WhatsApp (Meta Cloud API) channel for Rasa 3.6: `bot.channels.whatsapp.channel.WhatsAppInput`
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
from typing import Any

import aiohttp
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import http
from bot.channels import downloads
from bot.channels.base import BadRequest, SendError, WebhookInput, WebhookOutput
from bot.channels.messages import Ignored, Inbound, Media
from bot.channels.settings import WhatsAppSettings
from bot.channels.signatures import META_SIGNATURE_HEADER, meta_signature_ok, verify_token_ok
from bot.channels.whatsapp.payload import button_messages, image_message, parse_webhook, text_messages
from contract import conversation_ids

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
_TIMEOUT = aiohttp.ClientTimeout(total=30)


class GraphError(SendError):
    pass


class GraphApi:
    def __init__(self, settings: WhatsAppSettings) -> None:
        self.settings = settings

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.access_token}"}

    async def send(self, message: dict[str, Any]) -> None:
        status, body = await http.post_retrying_once(
            self.settings.messages_url, json=message, headers=self._auth, timeout=_TIMEOUT
        )
        if status >= 300 or status == 0:
            raise GraphError(f"messages answered {status or 'nothing'}: {_error_summary(body)}")

    async def download(self, media_id: str) -> tuple[bytes, str]:
        """GET /{version}/{media-id} gives a short-lived URL and the file's size; that URL needs
        the token too. The file is streamed with the attachment cap (bot.channels.downloads)."""
        try:
            async with http.session().get(
                self.settings.media_url(media_id), headers=self._auth, timeout=_TIMEOUT
            ) as resp:
                if resp.status != 200:
                    raise GraphError(f"media lookup answered {resp.status}")
                info = await resp.json(content_type=None)
            url = info["url"]
        except (aiohttp.ClientError, asyncio.TimeoutError, KeyError, TypeError, ValueError) as exc:
            raise GraphError(f"media lookup failed ({type(exc).__name__})") from None
        downloads.check_declared(info.get("file_size"))
        content, content_type = await downloads.download(url, headers=self._auth, timeout=_TIMEOUT)
        return content, info.get("mime_type") or content_type


def _error_summary(body: bytes) -> str:
    """Graph errors as code + title, never the message we tried to send."""
    try:
        error = json.loads(body).get("error") or {}
        return f"{error.get('code')} {error.get('type') or ''}".strip()
    except (ValueError, AttributeError):
        return "unreadable answer"


class WhatsAppOutput(WebhookOutput):
    """Replies through the Graph API; recipient_id is the conversation (`wa:<number>`)."""

    channel = CHANNEL
    prefix = conversation_ids.WHATSAPP

    def __init__(self, api: GraphApi) -> None:
        self.api = api

    async def send(self, message: dict[str, Any]) -> None:
        await self.api.send(message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if (to := self.to(recipient_id)) is not None:
            await self._send_all(recipient_id, text_messages(to, text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        if (to := self.to(recipient_id)) is not None:
            await self._send_all(recipient_id, button_messages(to, text, buttons))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        if (to := self.to(recipient_id)) is not None:
            await self._send_all(recipient_id, [image_message(to, image)])

    async def send_custom(self, recipient_id: str, spec: dict[str, Any]) -> None:
        """`custom: {whatsapp: {...Graph message...}}` is sent as is, to the conversation's number."""
        if (to := self.to(recipient_id)) is not None:
            await self._send_all(recipient_id, [{"messaging_product": "whatsapp", **spec, "to": to}])


class WhatsAppInput(WebhookInput):
    channel = CHANNEL
    settings_type = WhatsAppSettings
    token_names = "WHATSAPP_ACCESS_TOKEN"
    signature_name = "X-Hub-Signature-256"

    def __init__(self, settings: WhatsAppSettings, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.api = GraphApi(settings)
        if not settings.enabled:
            logger.info("whatsapp channel off: WHATSAPP_ACCESS_TOKEN is not set")
        else:
            if not settings.app_secret:
                logger.warning("whatsapp: WHATSAPP_APP_SECRET is not set, every webhook call will be refused")
            if not settings.phone_number_id:
                logger.warning("whatsapp: WHATSAPP_PHONE_NUMBER_ID is not set, replies will fail")

    def output(self) -> WhatsAppOutput:
        return WhatsAppOutput(self.api)

    def authentic(self, request: Request) -> bool:
        return meta_signature_ok(
            self.settings.app_secret, request.body or b"", request.headers.get(META_SIGNATURE_HEADER)
        )

    def parse(self, request: Request) -> list[Inbound | Ignored]:
        try:
            body = json.loads(request.body or b"")
        except ValueError:
            raise BadRequest("expected JSON") from None
        return list(parse_webhook(body, self.settings.phone_number_id))

    async def fetch(self, media: Media) -> tuple[bytes, str]:
        return await self.api.download(media.ref)

    def acknowledge(self, outcomes: list[str]) -> HTTPResponse:
        return response.text("EVENT_RECEIVED")

    def add_routes(self, bp: Blueprint) -> None:
        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            """Meta's verification handshake: hub.challenge echoed when hub.verify_token matches."""
            args = request.args
            if args.get("hub.mode") == "subscribe" and verify_token_ok(
                self.settings.verify_token, args.get("hub.verify_token")
            ):
                return response.text(args.get("hub.challenge") or "")
            logger.warning("whatsapp: verification handshake refused")
            return response.text("forbidden", status=403)
