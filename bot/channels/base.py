"""The base of the webhook channels (Telegram, WhatsApp, Twilio), in the manner of Rasa's own
rasa/core/channels: an InputChannel and an OutputChannel per channel, on reusable bases.

`WebhookInput` owns the sequence every channel's webhook follows:

    GET  /webhooks/<name>/         {"status": "ok"} or {"status": "off"}
    POST /webhooks/<name>/webhook  503 while the channel is off (its token unset); 403 when the
                                   call is not the platform's (secret or signature check); 400
                                   for a body that is no update; then each message parsed from
                                   it is handled once (de-duplicated by id), either before the
                                   answer (Telegram: the outcome is the answer) or in the
                                   background, one at a time per customer, after answering at
                                   once (Meta and Twilio want 200 fast and retry otherwise)
    server stop                    the background jobs drained, the channel's clients closed,
                                   then the pooled HTTP session (bot.http)

Handling a message is the same everywhere: attachments fetched and stored with the backend, then
one UserMessage to Rasa (bot.channels.delivery) through the guard (bot.channels.guard: forged
intents, message limit), every turn counted for /metrics. Conversation ids carry the channel's
prefix (contract.conversation_ids): `parse` issues them, the output's `to` takes them apart. A channel
fills in only what is its platform's: `authentic` (the check), `parse` (the call's body into
messages), `fetch` (a file the customer sent), `output` (how replies are sent, on
`WebhookOutput`), the answer it gives the platform, and optional extra routes and start/stop
steps.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import http
from bot.backend import BackendClient
from bot.channels.delivery import deliver, domain_intents
from bot.channels.guard import MessageGuard
from bot.channels.messages import Ignored, Inbound, Media
from bot.channels.ordering import Deduper, KeyedSerializer
from bot.channels.redaction import log_id
from bot.runtime.metrics import timed
from contract import conversation_ids

logger = logging.getLogger(__name__)

Handler = Callable[[UserMessage], Awaitable[Any]]


class BadRequest(Exception):
    """The call's body is not what the platform sends: answered 400 with this message."""


class SendError(Exception):
    """A platform refused or did not take a reply (after its own retry)."""


class WebhookOutput(OutputChannel):
    """Replies of a webhook channel: each reply becomes the platform's messages, sent in order;
    after a failure the rest of that reply is dropped (and logged without personal data)."""

    channel: ClassVar[str]  # the channel's name, as its input channel's
    prefix: ClassVar[str]  # its conversation ids' prefix (contract.conversation_ids)

    @classmethod
    def name(cls) -> str:
        return cls.channel

    def to(self, recipient_id: str) -> str | None:
        """The platform's id behind a conversation id of this channel; None (logged) for another
        channel's id, so a reply never goes to a platform id read out of a foreign one."""
        target = conversation_ids.platform_id(recipient_id, self.prefix)
        if target is None:
            logger.warning(
                "%s: reply to %s not sent: not this channel's conversation", self.name(), log_id(recipient_id)
            )
        return target

    async def send(self, message: Any) -> None:
        """Sends one platform message; raises SendError."""
        raise NotImplementedError

    async def _send_all(self, recipient_id: str, messages: list[Any]) -> None:
        for message in messages:
            try:
                await self.send(message)
            except SendError as exc:
                self.report(recipient_id, exc)
                return

    def report(self, recipient_id: str, error: SendError) -> None:
        logger.error("%s: reply to %s failed: %s", self.name(), log_id(recipient_id), error)

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """`custom: {<channel name>: {...}}` is the channel's own message (`send_custom`); custom
        payloads for other channels are skipped, never dumped as text to the customer."""
        spec = json_message.get(self.name()) if isinstance(json_message, dict) else None
        if isinstance(spec, dict):
            await self.send_custom(recipient_id, spec)

    async def send_custom(self, recipient_id: str, spec: dict[str, Any]) -> None:
        pass


class WebhookInput(InputChannel):
    # What a channel says about itself.
    channel: ClassVar[str]  # its name: /webhooks/<channel>/, the conversations' input_channel
    settings_type: ClassVar[Any]  # its settings' class, with from_env(credentials)
    token_names: ClassVar[str] = ""  # the settings that switch it on, for the 503 answer
    signature_name: ClassVar[str] = ""  # what `authentic` checks, for the refusal's log line
    # True: answer the platform at once, handle the messages in the background, in order per
    # customer. False: handle them before answering (the outcome is part of the answer).
    background: ClassVar[bool] = True

    def __init__(self, settings: Any, backend: BackendClient | None = None) -> None:
        self.settings = settings  # the channel's settings; `.enabled` when its token is set
        self.backend = backend or BackendClient()
        self.seen = Deduper()
        self.queue = KeyedSerializer()

    @classmethod
    def name(cls) -> str:
        return cls.channel

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(cls.settings_type.from_env(credentials))

    def get_output_channel(self) -> OutputChannel | None:
        return self.output() if self.settings.enabled else None

    # --- what each channel fills in --------------------------------------------------------
    def output(self) -> WebhookOutput:
        """How replies are sent (the channel is on)."""
        raise NotImplementedError

    def authentic(self, request: Request) -> bool:
        """The call comes from the platform (secret token or signature)."""
        raise NotImplementedError

    def parse(self, request: Request) -> list[Inbound | Ignored]:
        """The messages in the call's body; raises BadRequest for a body that is no update."""
        raise NotImplementedError

    def dedupe_key(self, inbound: Inbound) -> str | None:
        """What identifies a platform's delivery, so a retried one is handled once."""
        return inbound.message_id

    async def fetch(self, media: Media) -> tuple[bytes, str]:
        """A file the customer sent: its content and content type."""
        raise NotImplementedError

    async def before_delivery(self, inbound: Inbound) -> None:
        """Anything the platform wants before the message is handled."""

    def acknowledge(self, outcomes: list[str]) -> HTTPResponse:
        """The answer to the platform's call; `outcomes` has one word per message parsed."""
        raise NotImplementedError

    def add_routes(self, bp: Blueprint) -> None:
        """Routes of the channel's own (beside health and the webhook)."""

    async def on_start(self) -> None:
        """After the server started."""

    async def on_stop(self) -> None:
        """Before the server stops, after the background jobs ended: close the platform's client."""

    # --- the sequence ----------------------------------------------------------------------
    async def handle(self, inbound: Inbound, on_new_message: Handler, intents: frozenset[str]) -> None:
        await self.before_delivery(inbound)
        await deliver(
            inbound,
            channel=self.name(),
            output=self.get_output_channel(),
            on_new_message=on_new_message,
            fetch=self.fetch,
            backend=self.backend,
            intents=intents,
        )

    async def receive(self, request: Request, on_new_message: Handler) -> HTTPResponse:
        name = self.name()
        if not self.settings.enabled:
            return response.json({"error": f"{name} channel is off: {self.token_names} is not set"}, status=503)
        if not self.authentic(request):
            logger.warning("%s: webhook call refused (missing or wrong %s)", name, self.signature_name)
            return response.json({"error": "forbidden"}, status=403)
        try:
            messages = self.parse(request)
        except BadRequest as exc:
            return response.json({"error": str(exc)}, status=400)
        intents = domain_intents(request.app)
        outcomes = []
        for item in messages:
            if isinstance(item, Ignored):
                logger.debug("%s: update ignored (%s)", name, item.reason)
                outcomes.append(f"ignored: {item.reason}")
            elif self.seen.seen(self.dedupe_key(item)):
                outcomes.append("duplicate")
            elif self.background:
                self.queue.submit(item.sender_id, self._job(item, on_new_message, intents), self._failed(item))
                outcomes.append("queued")
            else:
                try:
                    await self.handle(item, on_new_message, intents)
                    outcomes.append(item.kind)
                except Exception as exc:  # noqa: BLE001 - answer anyway, or the platform redelivers forever
                    self._failed(item)(exc)
                    outcomes.append("failed")
        return self.acknowledge(outcomes)

    def _job(self, inbound: Inbound, on_new_message: Handler, intents: frozenset[str]) -> Callable[[], Awaitable[None]]:
        async def job() -> None:
            await self.handle(inbound, on_new_message, intents)

        return job

    def _failed(self, inbound: Inbound) -> Callable[[BaseException], None]:
        who = log_id(inbound.sender_id)

        def failed(exc: BaseException) -> None:
            logger.error("%s: message from %s failed: %s", self.name(), who, type(exc).__name__, exc_info=exc)

        return failed

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        guard = MessageGuard(self.name())
        on_new_message = guard.wrap(timed(self.name(), on_new_message))
        bp = Blueprint(f"{self.name()}_webhook", __name__)
        guard.attach(bp)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings.enabled else "off"})

        self.add_routes(bp)

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        @bp.listener("after_server_start")
        async def start(_app: Any, _loop: Any) -> None:
            if self.settings.enabled:
                await self.on_start()

        @bp.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            await self.queue.drain()
            await self.on_stop()

        @bp.listener("after_server_stop")
        async def close(_app: Any, _loop: Any) -> None:
            await http.close()  # every channel's drain has ended by now

        return bp
