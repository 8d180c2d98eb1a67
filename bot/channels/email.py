"""The e-mail channel's Rasa half: one customer letter is one turn.

The backend reads the mailbox (backend/app/mail: IMAP, threads, quoted text and signatures
stripped, attachments stored) and hands each letter's new text here:

    POST /webhooks/email/webhook   Authorization: Bearer <SERVICE_TOKEN>
         {"sender": "em:<digest>", "message": "...", "metadata": {"email": ..., "subject": ...}}
      -> 200 {"messages": [{"text", "buttons"}], "slots": {"language", "tracking_number", ...}}

The bot's replies of that turn come back in the answer (the backend writes them as one letter
in the thread); `slots` tells the backend the language and, once registered, the tracking
number for the subject. A bot message outside a letter's turn (an agent's reply from the
console, the form asking again after a hand-back) goes through `EmailOutput` to the backend's
`POST /api/mail/outbound`, which sends it in the same thread.

Responses worded for e-mail are `channel: email` variations in domain.yml: the form's question
becomes the list of everything still missing (actions/letters.py).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.backend import BackendClient, BackendRejected, BackendUnavailable
from bot.channels.delivery import deliver, domain_intents
from bot.channels.guard import MessageGuard
from bot.channels.messages import MEDIA, TEXT, Inbound
from bot.channels.redaction import log_id
from bot.channels.settings import EmailSettings
from bot.runtime.metrics import Handler, timed
from contract import conversation_ids

logger = logging.getLogger(__name__)

CHANNEL = "email"
MAX_TEXT = 20_000  # the new text of one letter, after quotes and signature are gone
# What the backend needs to know after a letter's turn.
REPORTED_SLOTS = ("language", "tracking_number", "awaiting", "requested_slot")


class EmailSendError(Exception):
    """The backend did not send the letter: the caller (Rasa's HTTP API) fails, so the backend
    that asked for the message learns it did not go out."""


def _message(message: dict[str, Any]) -> dict[str, Any]:
    """A bot message as the backend writes it into a letter."""
    return {
        "text": message.get("text") or "",
        "buttons": [
            {"title": str(b.get("title") or ""), "payload": str(b.get("payload") or "")}
            for b in message.get("buttons") or []
            if isinstance(b, dict)
        ],
    }


class EmailCollector(CollectingOutputChannel):
    """The replies of a letter's turn, under the channel's name (so the domain's `channel: email`
    variations are chosen)."""

    @classmethod
    def name(cls) -> str:
        return CHANNEL


class EmailOutput(OutputChannel):
    """A bot message outside a letter's turn: sent by the backend as a letter in the thread."""

    def __init__(self, backend: BackendClient) -> None:
        self.backend = backend

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def _send(self, recipient_id: str, message: dict[str, Any]) -> None:
        if conversation_ids.platform_id(recipient_id, conversation_ids.EMAIL) is None:
            logger.warning("email: message to %s not sent: not an e-mail conversation", log_id(recipient_id))
            return
        try:
            await self.backend.send_letter(recipient_id, [_message(message)])
        except (BackendRejected, BackendUnavailable) as exc:
            raise EmailSendError(f"the backend did not send the letter ({type(exc).__name__})") from None

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, {"text": text, "buttons": buttons})

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        pass  # other channels' custom payloads are not for a letter


class EmailInput(InputChannel):
    def __init__(self, settings: EmailSettings | None = None, backend: BackendClient | None = None) -> None:
        self.settings = settings or EmailSettings.from_env()
        self.backend = backend or BackendClient()

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(EmailSettings.from_env(credentials))

    def get_output_channel(self) -> OutputChannel | None:
        return EmailOutput(self.backend)

    def refusal(self, request: Request) -> HTTPResponse | None:
        if not self.settings.enabled:
            return response.json({"error": "email channel is off: IMAP_URL is not set"}, status=503)
        scheme, _, given = (request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), self.settings.service_token.encode()
        ):
            return response.json({"error": "forbidden: Authorization: Bearer <SERVICE_TOKEN> required"}, status=403)
        body = request.json if request.body else None
        if not isinstance(body, dict):
            return response.json({"error": 'expected a JSON object {"sender", "message", "metadata"}'}, status=400)
        sender, message = body.get("sender"), body.get("message")
        if not isinstance(sender, str) or conversation_ids.platform_id(sender, conversation_ids.EMAIL) is None:
            return response.json({"error": "sender: an e-mail conversation id (em:...)"}, status=400)
        if not isinstance(message, str) or len(message) > MAX_TEXT:
            return response.json({"error": f"message: a string of at most {MAX_TEXT} characters"}, status=400)
        if not isinstance(body.get("metadata", {}), dict):
            return response.json({"error": "metadata: an object"}, status=400)
        return None

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        guard = MessageGuard(CHANNEL)
        on_new_message = guard.wrap(timed(CHANNEL, on_new_message))
        bp = Blueprint("email_webhook", __name__)
        guard.attach(bp)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings.enabled else "off"})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            refused = self.refusal(request)
            if refused is not None:
                return refused
            body = request.json
            sender = body["sender"]
            metadata = {**(body.get("metadata") or {}), "channel": CHANNEL}
            collector = EmailCollector()
            # A letter with only attachments (already stored by the backend) is the attachment
            # intent, as a photo without caption on the other channels.
            inbound = Inbound(
                sender_id=sender,
                kind=TEXT if body["message"].strip() or not metadata.get("attachments") else MEDIA,
                text=body["message"].strip(),
                message_id=metadata.get("message_id"),
                metadata=metadata,
            )
            await deliver(
                inbound,
                channel=CHANNEL,
                output=collector,
                on_new_message=on_new_message,
                fetch=_nothing_to_fetch,
                backend=self.backend,
                intents=domain_intents(request.app),
            )
            slots = await _slots(request.app, sender)
            logger.info("email: letter of %s answered with %d message(s)", log_id(sender), len(collector.messages))
            return response.json({"messages": [_message(m) for m in collector.messages], "slots": slots})

        return bp


async def _nothing_to_fetch(media: Any) -> tuple[bytes, str]:
    raise RuntimeError("the backend stores a letter's attachments itself")


async def _slots(app: Any, sender: str) -> dict[str, Any]:
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return {}
    tracker = await store.retrieve(sender)
    if tracker is None:
        return {}
    return {name: tracker.get_slot(name) for name in REPORTED_SLOTS}
