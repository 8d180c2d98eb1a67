"""Rasa's HTTP API as the backend uses it (`rasa run --enable-api`; `../shared/notes/rasa-install.md`):
the one client of the backend, for the handoff (an agent's message to the customer's channel,
giving the conversation back to the bot), for the notifications (reading a conversation's
tracker, triggering an EXTERNAL_ intent in it) and for the e-mail channel (one customer letter =
one turn on the rasa server's `email` input channel, backend/app/mail/inbound.py).

What is asked of Rasa is written once, in `RasaApi`: the URL of each call (the conversation id
as Rasa reads it, backend/app/clients/rasa_paths.py), the auth header, the query and the body, and how
an answer is read. Two thin transports send those calls: `RasaClient` with a blocking
keep-alive pool (the routes run in worker threads), `AsyncRasaClient` over the dispatcher's
asyncio connection pool.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from backend.app.clients.rasa_paths import conversation_path
from backend.app.core.settings import Settings
from contract import rasa_auth
from contract.conversation_ids import output_channel

log = logging.getLogger(__name__)

# Triggered after the resume: the lead's rule lets the form ask its question again.
RESUME_INTENT = "EXTERNAL_resume"
# Who the backend is in the JWTs it sends to Rasa.
USERNAME = "backend"
# The rasa server's e-mail input channel (the contract of issue 22: SERVICE_TOKEN as Bearer).
EMAIL_WEBHOOK_PATH = "/webhooks/email/webhook"


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered an error: what was asked did not happen (as far as the
    backend can tell). `status` is Rasa's HTTP status (None: no answer at all); `retry_after`
    its Retry-After, in seconds, when it gave one."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class Call:
    """One request to Rasa's API, before it is sent."""

    method: str
    conversation_id: str
    tail: str  # after /conversations/{id}/
    params: dict[str, str] = field(default_factory=dict)
    body: Any = None
    path: str | None = None  # a route outside /conversations (a channel's), instead of the tail
    # The e-mail channel's webhook takes the service token as the other backend-to-channel calls
    # of the Rasa side do; Rasa's own API and the presence route take the header JWT.
    service_auth: bool = False


class RasaApi:
    """The calls the backend makes, and how their answers are read (no I/O here)."""

    def __init__(self, base_url: str, token: str | None, service_token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token or None
        self.service_token = service_token or None

    @classmethod
    def from_settings(cls, settings: Settings) -> RasaApi:
        token = settings.rasa_token.get_secret_value() if settings.rasa_token is not None else None
        return cls(settings.rasa_url, token, settings.service_token.get_secret_value())

    # --- the calls ------------------------------------------------------------------------------

    def tracker(self, conversation_id: str, *, include_events: str) -> Call:
        """GET the tracker; include_events NONE (the state only), AFTER_RESTART or ALL."""
        return Call("GET", conversation_id, "tracker", {"include_events": include_events})

    def append_events(self, conversation_id: str, events: list[dict[str, Any]], *, side_effects: bool) -> Call:
        """POST events to the tracker; the bot's messages among them go out on the conversation's
        own channel, with side_effects."""
        params = {"output_channel": output_channel(conversation_id), "include_events": "NONE"}
        if side_effects:
            params["execute_side_effects"] = "true"
        return Call("POST", conversation_id, "tracker/events", params, events)

    def trigger_intent(self, conversation_id: str, intent: str, entities: dict[str, Any] | None = None) -> Call:
        """POST trigger_intent on the conversation's own channel: the bot's answer reaches the customer."""
        body: dict[str, Any] = {"name": intent}
        if entities is not None:
            body["entities"] = entities
        return Call(
            "POST",
            conversation_id,
            "trigger_intent",
            {"output_channel": output_channel(conversation_id), "include_events": "NONE"},
            body,
        )

    def email_turn(self, sender: str, message: str, metadata: dict[str, Any]) -> Call:
        """One customer letter as one turn of the `email` channel; Rasa answers the bot's
        messages and the slots the backend needs (language, tracking_number, awaiting)."""
        body = {"sender": sender, "message": message, "metadata": metadata}
        return Call("POST", sender, "", body=body, path=EMAIL_WEBHOOK_PATH, service_auth=True)

    def webchat_presence(self, conversation_id: str) -> Call:
        """GET the web chat channel's answer whether a page of the conversation is open now
        (bot/channels/webchat_replay.py)."""
        params = {"conversation_id": conversation_id}
        return Call("GET", conversation_id, "", params, path="/webhooks/socketio/presence")

    # --- on the wire ----------------------------------------------------------------------------

    def request(self, http: httpx.Client | httpx.AsyncClient, call: Call) -> httpx.Request:
        """The call as an httpx request of `http` (its timeouts). RASA_TOKEN signs a short-lived
        JWT in the Authorization header: never in the URL, which access logs and proxies keep."""
        path = call.path or f"{conversation_path(call.conversation_id)}/{call.tail}"
        url = f"{self.base_url}{path}"
        if call.service_auth:
            headers = {"Authorization": f"Bearer {self.service_token}"} if self.service_token else {}
            return http.build_request(call.method, url, params=call.params, json=call.body, headers=headers)
        headers = rasa_auth.headers(self.token, USERNAME)
        return http.build_request(call.method, url, params=call.params, json=call.body, headers=headers)

    @staticmethod
    def unreachable(exc: httpx.HTTPError) -> RasaUnavailable:
        return RasaUnavailable(f"rasa unreachable ({type(exc).__name__})")

    @staticmethod
    def answer(response: httpx.Response) -> dict[str, Any]:
        """The JSON object Rasa answered ({} for anything else); RasaUnavailable for an error
        status. Rasa's error body may quote the request: only the status is kept."""
        code = response.status_code
        if not 200 <= code < 300:
            raise RasaUnavailable(f"rasa answered {code}", status=code, retry_after=_retry_after(response))
        try:
            answer = response.json()
        except ValueError:
            return {}
        return answer if isinstance(answer, dict) else {}


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


# --- the routes' client (blocking) -------------------------------------------------------------------


class RasaClient:
    """One keep-alive connection pool per process (thread-safe), shared by the routes."""

    def __init__(self, api: RasaApi, timeout: float) -> None:
        self.api = api
        self._client = httpx.Client(timeout=timeout, limits=httpx.Limits(max_keepalive_connections=20))

    @classmethod
    def from_settings(cls, settings: Settings) -> RasaClient:
        return cls(RasaApi.from_settings(settings), settings.rasa_timeout_seconds)

    def close(self) -> None:
        self._client.close()

    def send(self, call: Call) -> dict[str, Any]:
        try:
            response = self._client.send(self.api.request(self._client, call))
        except httpx.HTTPError as exc:
            raise self.api.unreachable(exc) from None
        return self.api.answer(response)

    def send_agent_message(self, conversation_id: str, text: str, *, agent_name: str, message_key: str) -> None:
        """A `bot` event with the agent in its metadata, sent through the channel the customer
        last wrote on; the key comes back through the event broker and marks it as ours."""
        event = {"event": "bot", "text": text, "metadata": {"agent": agent_name, "message_key": message_key}}
        self.send(self.api.append_events(conversation_id, [event], side_effects=True))

    def pause(self, conversation_id: str) -> None:
        """An agent takes the conversation without the bot having handed it over (writing to the
        customer from a complaint): the bot stays silent until `resume`, and the customer's
        answers reach the agent."""
        self.send(self.api.append_events(conversation_id, [{"event": "pause"}], side_effects=False))

    def end_form(self, conversation_id: str, *, tracking_number: str) -> None:
        """The agent registered the complaint: the form has nothing left to ask, and the bot
        knows the number (as after its own registration)."""
        events = [
            {"event": "active_loop", "name": None},
            {"event": "slot", "name": "requested_slot", "value": None},
            {"event": "slot", "name": "tracking_number", "value": tracking_number},
        ]
        self.send(self.api.append_events(conversation_id, events, side_effects=False))

    def set_decision_context(self, conversation_id: str, *, tracking_number: str, decision_text: str) -> None:
        """A letter answering a decision (its thread's complaint is resolved): the slots the chat
        sets when it shows the decision, so the closing loop's rules read "nu sunt de acord"."""
        events = [
            {"event": "slot", "name": "decision_tracking_number", "value": tracking_number},
            {"event": "slot", "name": "decision_text", "value": decision_text},
            {"event": "slot", "name": "awaiting", "value": "decision"},
        ]
        self.send(self.api.append_events(conversation_id, events, side_effects=False))

    def email_turn(self, sender: str, message: str, metadata: dict[str, Any]) -> dict[str, Any]:
        """POST the letter to the rasa server's e-mail channel; its answer {messages, slots}.
        RasaUnavailable when it is away or answers an error (the letter waits for a retry)."""
        return self.send(self.api.email_turn(sender, message, metadata))

    def resume(self, conversation_id: str, *, ask_again: bool) -> None:
        """Un-pauses the conversation; with ask_again the form asks where it left off.

        A paused conversation ends on the action that paused it (Rasa predicts nothing after
        it, not even action_listen), so the triggered intent would follow that action instead
        of action_listen, and no rule starting with the intent would match (the bot fell back
        and handed over again). The action_listen appended here is what Rasa itself logs
        before every user turn."""
        events = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
        self.send(self.api.append_events(conversation_id, events, side_effects=False))
        if ask_again:
            self.send(self.api.trigger_intent(conversation_id, RESUME_INTENT))


_lock = threading.Lock()


def rasa_client(state: Any, settings: Settings) -> RasaClient:
    """The app's RasaClient, made on first use."""
    with _lock:
        client: RasaClient | None = getattr(state, "rasa_client", None)
        if client is None:
            client = RasaClient.from_settings(settings)
            state.rasa_client = client
        return client


# --- the dispatcher's client (asyncio) ---------------------------------------------------------------


class AsyncClients(Protocol):
    """Where the async client gets a connection pool: one per key (backend.app.notifications'
    HttpPool spreads the connections over small httpx clients)."""

    def get(self, key: int) -> httpx.AsyncClient: ...


class AsyncRasaClient:
    """The calls the notification dispatcher makes, each on the pool's client for `key` (the
    notification's id)."""

    def __init__(self, api: RasaApi, clients: AsyncClients) -> None:
        self.api = api
        self.clients = clients

    async def send(self, call: Call, *, key: int = 0) -> dict[str, Any]:
        http = self.clients.get(key)
        try:
            response = await http.send(self.api.request(http, call))
        except httpx.HTTPError as exc:
            raise self.api.unreachable(exc) from None
        return self.api.answer(response)

    async def tracker(self, conversation_id: str, *, all_events: bool = False, key: int = 0) -> dict[str, Any]:
        include = "ALL" if all_events else "AFTER_RESTART"
        return await self.send(self.api.tracker(conversation_id, include_events=include), key=key)

    async def trigger_intent(
        self, conversation_id: str, intent: str, entities: dict[str, Any], *, key: int = 0
    ) -> dict[str, Any]:
        return await self.send(self.api.trigger_intent(conversation_id, intent, entities), key=key)

    async def webchat_connected(self, conversation_id: str, *, key: int = 0) -> bool:
        answer = await self.send(self.api.webchat_presence(conversation_id), key=key)
        return answer.get("connected") is True
