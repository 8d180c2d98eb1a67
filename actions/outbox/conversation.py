"""Telling a conversation that its registration went through: Rasa's HTTP API
`POST /conversations/{id}/trigger_intent` with EXTERNAL_retry_registration, whose rule runs
action_submit_complaint again in that conversation, on the channel that owns its id
(contract.conversation_ids.output_channel).

Over the process's one pooled session (bot.http), authenticated with a short-lived JWT in the
header (contract.rasa_auth), never the token in the query string.
"""

from __future__ import annotations

import asyncio

import aiohttp

from bot import http
from contract import rasa_auth
from contract.conversation_ids import conversation_path, output_channel

RETRY_INTENT = "EXTERNAL_retry_registration"
# The turn runs action_submit_complaint, which asks the backend again (its own 10 s timeout).
TIMEOUT = aiohttp.ClientTimeout(total=45)


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered an error: try again later."""


class ConversationNotifier:
    def __init__(self, rasa_url: str, token: str | None) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.token = token

    async def retry_registration(self, conversation_id: str) -> None:
        url = f"{self.rasa_url}{conversation_path(conversation_id)}/trigger_intent"
        params = {"output_channel": output_channel(conversation_id), "include_events": "NONE"}
        headers = rasa_auth.headers(self.token, "actions")
        try:
            async with http.session().post(
                url, params=params, json={"name": RETRY_INTENT}, headers=headers, timeout=TIMEOUT
            ) as resp:
                await resp.read()
                status = resp.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RasaUnavailable(type(exc).__name__) from None
        if status != 200:
            raise RasaUnavailable(f"rasa answered {status}")
