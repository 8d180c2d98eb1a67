"""Twilio WhatsApp channel for Rasa 3.6: `bot.twilio_whatsapp.TwilioWhatsAppInput`
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

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.common import Deduper, KeyedSerializer, Media, log_id
from bot.config import TwilioSettings
from bot.delivery import deliver, domain_intents
from bot.http import AttachmentStore, HttpClient
from bot.ops import timed
from bot.signatures import TWILIO_SIGNATURE_HEADER
from bot.twilio_payload import message_forms, parse_form

logger = logging.getLogger(__name__)

CHANNEL = "twilio"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TwilioError(Exception):
    pass


class TwilioApi:
    def __init__(self, settings: TwilioSettings, http: HttpClient | None = None) -> None:
        self.settings = settings
        self.http = http or HttpClient(timeout=30)
        self.auth = aiohttp.BasicAuth(settings.account_sid, settings.auth_token)

    async def send(self, form: dict[str, str]) -> None:
        for attempt in (1, 2):
            try:
                async with self.http.session.post(self.settings.messages_url, data=form, auth=self.auth) as resp:
                    answer = await resp.json(content_type=None) if resp.status >= 300 else None
                    if resp.status < 300:
                        return
                    status = resp.status
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                status, answer = 0, {"message": type(exc).__name__}
            if attempt == 1 and (status == 0 or status == 429 or status >= 500):
                await asyncio.sleep(1)
                continue
            code = (answer or {}).get("code") if isinstance(answer, dict) else None
            raise TwilioError(f"Messages API answered {status or 'nothing'} (code {code})")

    def media_allowed(self, url: str) -> bool:
        """Media is fetched only from Twilio's own API host (no request forgery through MediaUrl)."""
        base, target = urlsplit(self.settings.api_base_url), urlsplit(url)
        return (target.scheme, target.netloc) == (base.scheme, base.netloc)

    async def download(self, url: str) -> tuple[bytes, str]:
        if not self.media_allowed(url):
            raise TwilioError("media URL outside the Twilio API host")
        try:
            async with self.http.session.get(url, auth=self.auth) as resp:
                if resp.status != 200:
                    raise TwilioError(f"media answered {resp.status}")
                return await resp.read(), resp.headers.get("Content-Type", "")
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise TwilioError(f"media download failed ({type(exc).__name__})") from None


class TwilioWhatsAppOutput(OutputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    def __init__(self, api: TwilioApi) -> None:
        self.api = api

    async def _send_all(self, recipient_id: str, forms: list[dict[str, str]]) -> None:
        for form in forms:
            try:
                await self.api.send(form)
            except TwilioError as exc:
                logger.error("twilio: reply to %s failed: %s", log_id(recipient_id), exc)
                return

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_all(recipient_id, message_forms(self.api.settings.from_address, recipient_id, text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send_all(recipient_id, message_forms(self.api.settings.from_address, recipient_id, text, buttons))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        form = {"From": self.api.settings.from_address, "To": recipient_id, "MediaUrl": image}
        await self._send_all(recipient_id, [form])

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """`custom: {twilio: {ContentSid: ..., ContentVariables: ...}}` (an approved template) is sent;
        other custom payloads are skipped."""
        spec = json_message.get("twilio") if isinstance(json_message, dict) else None
        if isinstance(spec, dict):
            form = {"From": self.api.settings.from_address, "To": recipient_id, **{k: str(v) for k, v in spec.items()}}
            await self._send_all(recipient_id, [form])


def called_url(request: Request) -> str:
    """The URL Twilio called, as Twilio saw it (behind a proxy: X-Forwarded-Proto/-Host)."""
    proto = (request.headers.get("X-Forwarded-Proto") or request.scheme).split(",")[0].strip()
    host = (request.headers.get("X-Forwarded-Host") or request.host).split(",")[0].strip()
    query = f"?{request.query_string}" if request.query_string else ""
    return f"{proto}://{host}{request.path}{query}"


class TwilioWhatsAppInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(TwilioSettings.from_env(credentials))

    def __init__(self, settings: TwilioSettings, store: AttachmentStore | None = None) -> None:
        self.settings = settings
        self.api = TwilioApi(settings)
        self.validator = RequestValidator(settings.auth_token) if settings.enabled else None
        self.store = store or AttachmentStore()
        self.seen = Deduper()
        self.queue = KeyedSerializer()
        if not settings.enabled:
            logger.info("twilio channel off: TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN are not set")
        elif not settings.whatsapp_number:
            logger.warning("twilio: TWILIO_WHATSAPP_NUMBER is not set, replies will fail")

    def get_output_channel(self) -> OutputChannel | None:
        return TwilioWhatsAppOutput(self.api) if self.settings.enabled else None

    async def _fetch(self, media: Media) -> tuple[bytes, str]:
        return await self.api.download(media.ref)

    def signature_ok(self, request: Request) -> bool:
        signature = request.headers.get(TWILIO_SIGNATURE_HEADER)
        if not (self.validator and signature):
            return False
        url = self.settings.webhook_url or called_url(request)
        return bool(self.validator.validate(url, request.form or {}, signature))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = timed(self.name(), on_new_message)
        bp = Blueprint("twilio_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings.enabled else "off"})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.settings.enabled:
                return response.json({"error": "twilio channel is off: TWILIO_AUTH_TOKEN is not set"}, status=503)
            if not self.signature_ok(request):
                logger.warning("twilio: webhook call refused (missing or wrong X-Twilio-Signature)")
                return response.json({"error": "forbidden"}, status=403)
            inbound = parse_form(request.form or {})
            if inbound is not None and not self.seen.seen(inbound.message_id):
                intents = domain_intents(request.app)

                async def job() -> None:
                    await deliver(
                        inbound,
                        channel=CHANNEL,
                        output=TwilioWhatsAppOutput(self.api),
                        on_new_message=on_new_message,
                        fetch=self._fetch,
                        store=self.store,
                        intents=intents,
                    )

                def failed(exc: BaseException, who: str = log_id(inbound.sender_id)) -> None:
                    logger.error("twilio: message from %s failed: %s", who, type(exc).__name__, exc_info=exc)

                self.queue.submit(inbound.sender_id, job, failed)
            return response.text(EMPTY_TWIML, content_type="text/xml")

        @bp.listener("before_server_stop")
        async def close(_app: Any, _loop: Any) -> None:
            await self.queue.drain()
            await self.api.http.close()
            await self.store.http.close()

        return bp
