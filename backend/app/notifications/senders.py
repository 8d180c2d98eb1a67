"""The routes a notification can take, one sender each: into the customer's conversation
through Rasa, WhatsApp (the window, or an approved template), Telegram's Bot API (aiogram), e-mail,
an SMS gateway; and the routes of the staff's alerts (backend/app/alerts): e-mail to a person,
the staff Telegram bot. There is no route that only claims success: the console's copy of an
alert is a row in the person's inbox, written by the alerts' outbox, not a sender.
What a sender is and how it fails: backend.app.notifications.outgoing.

Every base URL comes from the settings, so the tests use local servers that speak the same
protocols (tests/support/loopback.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import importlib.util
import logging
from typing import Any

import httpx
import sqlalchemy as sa

from backend.app.clients.rasa import AsyncRasaClient, RasaApi, RasaUnavailable
from backend.app.core import clock
from backend.app.core.settings import Settings
from backend.app.mail import threads
from backend.app.mail.smtp import Mailer, OutLetter, SmtpFailure
from backend.app.notifications.outgoing import (
    HttpPool,
    Outgoing,
    Permanent,
    Sender,
    SendError,
    Transient,
    http_error,
    response_error,
    status_error,
)
from backend.app.notifications.sms import sms_sender
from contract import conversation_ids

log = logging.getLogger(__name__)
# Request URLs carry secrets (Rasa's token in the query, the bot token in the path): the HTTP
# clients' own request logs stay at WARNING.
for _client_logger in ("httpx", "httpcore", "aiogram.event", "aiohttp.client"):
    logging.getLogger(_client_logger).setLevel(logging.WARNING)

WHATSAPP_WINDOW = dt.timedelta(hours=24)
# A message that leaves within the last minutes of the window may arrive after it closed.
_WINDOW_MARGIN = dt.timedelta(minutes=10)
_EXTERNAL_TEXT_PREFIX = "EXTERNAL: "  # rasa.shared.core.events.UserUttered.create_external


# --- Rasa -------------------------------------------------------------------------------------


def customer_messages(tracker: dict[str, Any]) -> list[dict[str, Any]]:
    """The customer's own messages in a tracker (not the backend's EXTERNAL_ intents)."""
    found = []
    for event in tracker.get("events") or []:
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
        if intent.startswith("EXTERNAL_") or (event.get("text") or "").startswith(_EXTERNAL_TEXT_PREFIX):
            continue
        found.append(event)
    return found


def already_delivered(tracker: dict[str, Any], key: str) -> bool:
    """True when the tracker holds the EXTERNAL_ intent carrying this notification's key."""
    for event in tracker.get("events") or []:
        if event.get("event") != "user":
            continue
        for entity in (event.get("parse_data") or {}).get("entities") or []:
            if entity.get("entity") == "notification_id" and entity.get("value") == key:
                return True
    return False


class RasaSender:
    """Into the customer's conversation: POST /conversations/{id}/trigger_intent with
    output_channel=latest. The tracker is read first: a conversation an agent has taken over
    (paused) waits; one Rasa no longer knows is gone (next route); a retried or re-claimed send
    whose intent is already in the tracker is not sent again."""

    name = "rasa"

    def __init__(self, rasa: AsyncRasaClient) -> None:
        self.rasa = rasa

    async def tracker(self, message: Outgoing) -> dict[str, Any]:
        """The conversation's tracker: every event when the message may be in it already."""
        assert message.conversation_id is not None
        try:
            return await self.rasa.tracker(
                message.conversation_id, all_events=message.maybe_delivered, key=message.notification_id
            )
        except RasaUnavailable as exc:
            raise _rasa_error(exc) from None

    async def send(self, message: Outgoing, tracker: dict[str, Any] | None = None) -> str:
        if not message.conversation_id:
            raise Permanent("no conversation to send to")
        if tracker is None or message.maybe_delivered:
            tracker = await self.tracker(message)
        if message.maybe_delivered and already_delivered(tracker, message.key):
            return f"{message.rasa_intent} already in the conversation (found by its key on a retry)"
        if tracker.get("paused"):
            raise Transient("the conversation is with an agent (paused); retrying later")
        if not customer_messages(tracker):
            raise Permanent("conversation gone: Rasa has no message of the customer")
        try:
            await self.rasa.trigger_intent(
                message.conversation_id, message.rasa_intent, message.entities, key=message.notification_id
            )
        except RasaUnavailable as exc:
            raise _rasa_error(exc, intent=message.rasa_intent) from None
        channel = tracker.get("latest_input_channel") or "?"
        return f"{message.rasa_intent} triggered (output channel {channel})"


def _rasa_error(exc: RasaUnavailable, *, intent: str | None = None) -> SendError:
    if exc.status is None:
        return Transient(str(exc))
    if exc.status == 404 and intent is not None:
        return Permanent(f"rasa answered 404 for {intent} (intent not in the domain?)")
    return status_error("rasa", exc.status, exc.retry_after)


# --- WhatsApp Cloud API -------------------------------------------------------------------------


class WhatsAppSender:
    """Inside the 24-hour customer-service window (the customer's last message, from Rasa's
    tracker) a free-form message through the conversation; outside it only an approved
    template may be sent: WHATSAPP_TEMPLATES names one per language, with two body parameters
    (the tracking number and the text)."""

    name = "whatsapp"

    def __init__(self, settings: Settings, http: HttpPool, rasa: RasaSender) -> None:
        self.settings = settings
        self.http = http
        self.rasa = rasa

    async def send(self, message: Outgoing) -> str:
        tracker: dict[str, Any] | None = None
        if message.conversation_id:
            try:
                tracker = await self.rasa.tracker(message)
            except SendError as exc:
                log.info(
                    "whatsapp: no tracker for notification %s (%s); using a template", message.notification_id, exc
                )
        if tracker is not None:
            last = max((float(event.get("timestamp") or 0) for event in customer_messages(tracker)), default=0.0)
            window_ends = dt.datetime.fromtimestamp(last, dt.UTC) + WHATSAPP_WINDOW - _WINDOW_MARGIN
            if last and clock.now() < window_ends:
                return await self.rasa.send(message, tracker)
        return await self.send_template(message)

    async def send_template(self, message: Outgoing) -> str:
        settings = self.settings
        template = settings.whatsapp_templates.get(message.language)  # type: ignore[call-overload]
        if settings.whatsapp_access_token is None or not settings.whatsapp_phone_number_id:
            raise Permanent("WhatsApp Cloud API not configured (WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID)")
        if not template:
            raise Permanent(f"outside the 24-hour window and no approved template for {message.language}")
        number = conversation_ids.platform_id(message.conversation_id, conversation_ids.WHATSAPP) or ""
        recipient = number if number.isdigit() else None
        recipient = recipient or (message.phone or "").lstrip("+") or None
        if not recipient:
            raise Permanent("no WhatsApp number")
        # Template parameters may not hold line breaks, tabs or more than four spaces in a row.
        flat = " ".join(message.text.split())[:1000]
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": recipient,
            "type": "template",
            "template": {
                "name": template,
                "language": {"code": message.language},
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": message.tracking_number},
                            {"type": "text", "text": flat},
                        ],
                    }
                ],
            },
        }
        base = settings.whatsapp_api_base_url.rstrip("/")
        version = settings.whatsapp_api_version
        version = version if version.startswith("v") else f"v{version}"
        url = f"{base}/{version}/{settings.whatsapp_phone_number_id}/messages"
        try:
            response = await self.http.get(message.notification_id).post(
                url,
                json=body,
                headers={"Authorization": f"Bearer {settings.whatsapp_access_token.get_secret_value()}"},
            )
        except httpx.HTTPError as exc:
            raise http_error("whatsapp", exc) from None
        if response.status_code != 200:
            raise response_error("whatsapp", response)
        ids = [item.get("id") for item in (response.json().get("messages") or []) if isinstance(item, dict)]
        return f"template {template} ({message.language}) {' '.join(str(i) for i in ids)}".strip()


# --- Telegram Bot API (aiogram) -------------------------------------------------------------------


class TelegramSender:
    """Straight to the chat through the Bot API, for a Telegram complaint whose conversation
    Rasa no longer has (the chat id is inside the conversation id, `tg:<chat id>`). aiogram, the
    backend's one Telegram library (backend/app/clients/telegram.py)."""

    name = "telegram"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._bot: Any = None
        self._lock = asyncio.Lock()

    async def _get_bot(self) -> Any:
        from backend.app.clients.telegram import aiogram_bot

        async with self._lock:
            if self._bot is None:
                token = self.settings.telegram_bot_token
                if token is None:
                    raise Permanent("TELEGRAM_BOT_TOKEN not set")
                self._bot = aiogram_bot(
                    token.get_secret_value(),
                    self.settings.telegram_api_base_url,
                    timeout=self.settings.notification_send_timeout_seconds,
                )
            return self._bot

    async def send(self, message: Outgoing) -> str:
        from aiogram import exceptions as error

        chat_id = conversation_ids.platform_id(message.conversation_id, conversation_ids.TELEGRAM)
        if not chat_id or not chat_id.lstrip("-").isdigit():
            raise Permanent("no Telegram chat id")
        bot = await self._get_bot()
        try:
            sent = await bot.send_message(chat_id=int(chat_id), text=message.text)
        except error.TelegramRetryAfter as exc:
            raise Transient("telegram: flood control", retry_after=float(exc.retry_after)) from None
        except (
            error.TelegramForbiddenError,
            error.TelegramBadRequest,
            error.TelegramNotFound,
            error.TelegramUnauthorizedError,
        ) as exc:
            raise Permanent(f"telegram refused: {type(exc).__name__}") from None
        except Exception as exc:  # noqa: BLE001 - server errors, network errors, timeouts
            raise Transient(f"telegram: {type(exc).__name__}") from None
        return f"telegram message {sent.message_id}"

    async def close(self) -> None:
        if self._bot is not None:
            bot, self._bot = self._bot, None
            try:
                await bot.session.close()
            except Exception:  # noqa: BLE001 - closing anyway
                pass


# --- e-mail -----------------------------------------------------------------------------------------


class EmailSender:
    """SMTP through the one mailer (backend/app/mail/smtp.py). The Message-ID is the
    notification's key, so a message sent twice after a crash is recognisably the same message.
    A complaint with an e-mail thread gets it in that thread (backend/app/mail/threads.py), and
    recorded there, so that the customer's reply reaches the complaint."""

    name = "email"

    def __init__(self, settings: Settings, engine: sa.Engine | None = None) -> None:
        self.settings = settings
        self.mailer = Mailer(settings)
        self.engine = engine

    async def send(self, message: Outgoing) -> str:
        if not self.mailer.configured:
            raise Permanent("SMTP_URL not set")
        if not message.email:
            raise Permanent("no e-mail address")
        return await asyncio.to_thread(self._send, message)

    def _send(self, message: Outgoing) -> str:
        assert message.email is not None
        letter = OutLetter(
            to=message.email,
            subject=message.subject,
            text=message.text,
            message_id=self.mailer.message_id(message.key),
            language=message.language,
        )
        thread = threads.place_notification(self.engine, letter, message.tracking_number) if self.engine else None
        try:
            self.mailer.send(letter)
        except SmtpFailure as exc:
            raise (Permanent if exc.permanent else Transient)(str(exc)) from None
        if thread is not None:
            threads.record(self.engine, letter, thread)
        return f"e-mail {letter.message_id}"


# --- SMS ----------------------------------------------------------------------------------------------


class HttpSmsSender:
    """A generic HTTP SMS gateway: POST SMS_GATEWAY_URL with JSON {to, text, reference} and
    the notification's key as Idempotency-Key. Another gateway: a class with the same
    constructor (the settings, and an HttpPool whose `get(key)` gives an httpx.AsyncClient) and
    `send`, named by SMS_SENDER (module:Class)."""

    name = "sms"

    def __init__(self, settings: Settings, http: HttpPool) -> None:
        self.settings = settings
        self.http = http

    async def send(self, message: Outgoing) -> str:
        if not self.settings.sms_gateway_url:
            raise Permanent("SMS_GATEWAY_URL not set")
        if not message.phone:
            raise Permanent("no phone number")
        headers = {"Idempotency-Key": message.key}
        if self.settings.sms_gateway_token is not None:
            headers["Authorization"] = f"Bearer {self.settings.sms_gateway_token.get_secret_value()}"
        try:
            response = await self.http.get(message.notification_id).post(
                self.settings.sms_gateway_url,
                json={"to": message.phone, "text": message.text, "reference": message.key},
                headers=headers,
            )
        except httpx.HTTPError as exc:
            raise http_error("sms gateway", exc) from None
        if response.status_code >= 300:
            raise response_error("sms gateway", response)
        return "sms accepted by the gateway"


# --- all of them ----------------------------------------------------------------------------------


class Senders:
    """The senders of one dispatcher, created inside its event loop."""

    def __init__(self, settings: Settings, engine: sa.Engine | None = None) -> None:
        self.http = HttpPool(settings.notification_concurrency, settings.notification_send_timeout_seconds)
        # A subclass of RasaSender (its module imports this one): web chat only when a page is open.
        from backend.app.notifications.webchat import WebChatAwareRasaSender

        rasa = WebChatAwareRasaSender(AsyncRasaClient(RasaApi.from_settings(settings), self.http))
        self.telegram = TelegramSender(settings)
        sms_class = _import(settings.sms_sender)
        self.by_route: dict[str, Any] = {
            "rasa": rasa,
            "whatsapp": WhatsAppSender(settings, self.http, rasa),
            "telegram": self.telegram,
            "email": EmailSender(settings, engine),
            "sms": sms_sender(settings, self.http, sms_class),
            # One letter to one agent (no customer thread).
            "staff_email": EmailSender(settings),
        }
        # The staff bot (backend/app/staffbot) when its package is installed.
        self.staff_telegram = _staff_telegram(settings)
        if self.staff_telegram is not None:
            self.by_route["staff_telegram"] = self.staff_telegram

    def get(self, route: str) -> Sender:
        sender = self.by_route.get(route)
        if sender is None:
            raise Permanent(f"no sender for route {route!r}")
        return sender  # type: ignore[no-any-return]

    async def close(self) -> None:
        await self.telegram.close()
        closing = getattr(self.staff_telegram, "close", None)
        if closing is not None:
            try:
                await closing()
            except Exception:  # noqa: BLE001 - closing anyway
                pass
        await self.http.aclose()


def _staff_telegram(settings: Settings) -> Any:
    """StaffTelegramSender of backend.app.staffbot.sender, when that package is there and its
    bot is configured; None otherwise (the route is then absent, never faked)."""
    if importlib.util.find_spec("backend.app.staffbot") is None:
        return None
    try:
        module = importlib.import_module("backend.app.staffbot.sender")
    except ImportError:
        log.warning("backend.app.staffbot.sender cannot be imported; no staff Telegram route")
        return None
    try:
        return module.StaffTelegramSender(settings)
    except Exception as exc:  # noqa: BLE001 - a bot that is not configured is no route
        log.info("staff Telegram route off: %s", type(exc).__name__)
        return None


def _import(reference: str) -> Any:
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)
