"""Twilio WhatsApp channel for Rasa 3.6: `bot.channels.twilio.channel.TwilioWhatsAppInput`
in credentials.yml, webhook at /webhooks/twilio/webhook.

Every call must carry a valid X-Twilio-Signature (twilio's RequestValidator
with TWILIO_AUTH_TOKEN, over TWILIO_WEBHOOK_URL, the URL configured in
Twilio's console; without it, the URL this server was called at, honouring
X-Forwarded-Proto/-Host). The webhook answers empty TwiML at once; the reply
goes through the Messages API at TWILIO_API_BASE_URL from
TWILIO_WHATSAPP_NUMBER, over aiohttp (Rasa's own twilio channel blocks the
event loop with the synchronous client, checks no signature and reads only
Body).
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot import http
from bot.channels import downloads
from bot.channels.base import SendError, WebhookInput, WebhookOutput
from bot.channels.messages import Ignored, Inbound, Media
from bot.channels.settings import TwilioSettings
from bot.channels.signatures import TWILIO_SIGNATURE_HEADER
from bot.channels.twilio.payload import address, message_forms, parse_form
from contract import conversation_ids

logger = logging.getLogger(__name__)

CHANNEL = "twilio"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
_TIMEOUT = aiohttp.ClientTimeout(total=30)


class TwilioError(SendError):
    pass


class TwilioApi:
    def __init__(self, settings: TwilioSettings) -> None:
        self.settings = settings
        self.auth = aiohttp.BasicAuth(settings.account_sid, settings.auth_token)

    async def send(self, form: dict[str, str]) -> None:
        status, body = await http.post_retrying_once(
            self.settings.messages_url, data=form, auth=self.auth, timeout=_TIMEOUT
        )
        if status >= 300 or status == 0:
            raise TwilioError(f"Messages API answered {status or 'nothing'} (code {_error_code(body)})")

    def media_allowed(self, url: str) -> bool:
        """Media is fetched only from Twilio's own API host (no request forgery through MediaUrl)."""
        base, target = urlsplit(self.settings.api_base_url), urlsplit(url)
        return (target.scheme, target.netloc) == (base.scheme, base.netloc)

    async def download(self, url: str) -> tuple[bytes, str]:
        """The file, streamed with the attachment cap (bot.channels.downloads)."""
        if not self.media_allowed(url):
            raise TwilioError("media URL outside the Twilio API host")
        return await downloads.download(url, auth=self.auth, timeout=_TIMEOUT)


def _error_code(body: bytes) -> Any:
    """Twilio's error code of a refusal, never the message we tried to send."""
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    return answer.get("code") if isinstance(answer, dict) else None


class TwilioWhatsAppOutput(WebhookOutput):
    """Replies through the Messages API; recipient_id is the conversation (`tw:<+number>`)."""

    channel = CHANNEL
    prefix = conversation_ids.TWILIO

    def __init__(self, api: TwilioApi) -> None:
        self.api = api

    async def send(self, message: dict[str, str]) -> None:
        await self.api.send(message)

    def to(self, recipient_id: str) -> str | None:
        number = super().to(recipient_id)
        return address(number) if number is not None else None

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if (to := self.to(recipient_id)) is not None:
            await self._send_all(recipient_id, message_forms(self.api.settings.from_address, to, text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        if (to := self.to(recipient_id)) is not None:
            await self._send_all(recipient_id, message_forms(self.api.settings.from_address, to, text, buttons))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        if (to := self.to(recipient_id)) is not None:
            await self._send_all(recipient_id, [{"From": self.api.settings.from_address, "To": to, "MediaUrl": image}])

    async def send_custom(self, recipient_id: str, spec: dict[str, Any]) -> None:
        """`custom: {twilio: {ContentSid: ..., ContentVariables: ...}}`: an approved template."""
        if (to := self.to(recipient_id)) is not None:
            form = {"From": self.api.settings.from_address, **{k: str(v) for k, v in spec.items()}, "To": to}
            await self._send_all(recipient_id, [form])


def called_url(request: Request) -> str:
    """The URL Twilio called, as Twilio saw it (behind a proxy: X-Forwarded-Proto/-Host)."""
    proto = (request.headers.get("X-Forwarded-Proto") or request.scheme).split(",")[0].strip()
    host = (request.headers.get("X-Forwarded-Host") or request.host).split(",")[0].strip()
    query = f"?{request.query_string}" if request.query_string else ""
    return f"{proto}://{host}{request.path}{query}"


class TwilioWhatsAppInput(WebhookInput):
    channel = CHANNEL
    settings_type = TwilioSettings
    token_names = "TWILIO_AUTH_TOKEN"
    signature_name = "X-Twilio-Signature"

    def __init__(self, settings: TwilioSettings, **kwargs: Any) -> None:
        super().__init__(settings, **kwargs)
        self.api = TwilioApi(settings)
        self.validator = RequestValidator(settings.auth_token) if settings.enabled else None
        if not settings.enabled:
            logger.info("twilio channel off: TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN are not set")
        elif not settings.whatsapp_number:
            logger.warning("twilio: TWILIO_WHATSAPP_NUMBER is not set, replies will fail")

    def output(self) -> TwilioWhatsAppOutput:
        return TwilioWhatsAppOutput(self.api)

    def authentic(self, request: Request) -> bool:
        signature = request.headers.get(TWILIO_SIGNATURE_HEADER)
        if not (self.validator and signature):
            return False
        url = self.settings.webhook_url or called_url(request)
        return bool(self.validator.validate(url, request.form or {}, signature))

    def parse(self, request: Request) -> list[Inbound | Ignored]:
        inbound = parse_form(request.form or {})
        return [inbound] if inbound is not None else []

    async def fetch(self, media: Media) -> tuple[bytes, str]:
        return await self.api.download(media.ref)

    def acknowledge(self, outcomes: list[str]) -> HTTPResponse:
        return response.text(EMPTY_TWIML, content_type="text/xml")
