"""Rasa's HTTP API as the handoff uses it: an agent's message to the customer's channel, and
giving the conversation back to the bot (`../shared/notes/rasa-install.md`)."""

from __future__ import annotations

import logging
import threading
from typing import Any

import httpx

from backend.app.clients.rasa_paths import conversation_path
from backend.app.core.settings import Settings

log = logging.getLogger(__name__)

# Triggered after the resume: the lead's rule lets the form ask its question again.
RESUME_INTENT = "EXTERNAL_resume"


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered an error: the customer did not get it."""


class RasaClient:
    """One keep-alive connection pool per process (thread-safe), shared by the routes."""

    def __init__(self, base_url: str, token: str | None, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token or None
        self._client = httpx.Client(timeout=timeout, limits=httpx.Limits(max_keepalive_connections=20))

    @classmethod
    def from_settings(cls, settings: Settings) -> RasaClient:
        token = settings.rasa_token.get_secret_value() if settings.rasa_token is not None else None
        return cls(settings.rasa_url, token, settings.rasa_timeout_seconds)

    def close(self) -> None:
        self._client.close()

    def _params(self, **params: str) -> dict[str, str]:
        if self.token:
            params["token"] = self.token
        return params

    def _post(self, path: str, body: Any, params: dict[str, str]) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        try:
            response = self._client.post(url, json=body, params=params)
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"rasa unreachable ({type(exc).__name__})") from None
        if response.status_code >= 300:
            # Rasa's error body may quote the request; only the status is kept.
            raise RasaUnavailable(f"rasa answered {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            return {}
        return answer if isinstance(answer, dict) else {}

    def append_events(self, conversation_id: str, events: list[dict[str, Any]], *, side_effects: bool) -> None:
        params = self._params(output_channel="latest", include_events="NONE")
        if side_effects:
            params["execute_side_effects"] = "true"
        self._post(conversation_path(conversation_id) + "/tracker/events", events, params)

    def send_agent_message(self, conversation_id: str, text: str, *, agent_name: str, message_key: str) -> None:
        """A `bot` event with the agent in its metadata, sent through the channel the customer
        last wrote on; the key comes back through the event broker and marks it as ours."""
        event = {"event": "bot", "text": text, "metadata": {"agent": agent_name, "message_key": message_key}}
        self.append_events(conversation_id, [event], side_effects=True)

    def pause(self, conversation_id: str) -> None:
        self.append_events(conversation_id, [{"event": "pause"}], side_effects=False)

    def end_form(self, conversation_id: str, *, tracking_number: str) -> None:
        """The agent registered the complaint: the form has nothing left to ask, and the bot
        knows the number (as after its own registration)."""
        events = [
            {"event": "active_loop", "name": None},
            {"event": "slot", "name": "requested_slot", "value": None},
            {"event": "slot", "name": "tracking_number", "value": tracking_number},
        ]
        self.append_events(conversation_id, events, side_effects=False)

    def resume(self, conversation_id: str, *, ask_again: bool) -> None:
        """Un-pauses the conversation; with ask_again the form asks where it left off.

        A paused conversation ends on the action that paused it (Rasa predicts nothing after
        it, not even action_listen), so the triggered intent would follow that action instead
        of action_listen, and no rule starting with the intent would match (the bot fell back
        and handed over again). The action_listen appended here is what Rasa itself logs
        before every user turn."""
        self.append_events(
            conversation_id, [{"event": "resume"}, {"event": "action", "name": "action_listen"}], side_effects=False
        )
        if ask_again:
            self._post(
                conversation_path(conversation_id) + "/trigger_intent",
                {"name": RESUME_INTENT},
                self._params(output_channel="latest", include_events="NONE"),
            )

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        try:
            response = self._client.get(
                f"{self.base_url}{conversation_path(conversation_id)}/tracker",
                params=self._params(include_events="NONE"),
            )
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"rasa unreachable ({type(exc).__name__})") from None
        if response.status_code >= 300:
            raise RasaUnavailable(f"rasa answered {response.status_code}")
        answer = response.json()
        return answer if isinstance(answer, dict) else {}


_lock = threading.Lock()


def rasa_client(state: Any, settings: Settings) -> RasaClient:
    """The app's RasaClient, made on first use."""
    with _lock:
        client: RasaClient | None = getattr(state, "rasa_client", None)
        if client is None:
            client = RasaClient.from_settings(settings)
            state.rasa_client = client
        return client
