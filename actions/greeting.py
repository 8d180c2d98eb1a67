"""action_greet_chat: the web chat's first message, before the customer types.

The page (web/embed.js) opens a new conversation with `/start_chat` and its language as metadata
(customData.language). The assistant says what can be done here (file a complaint, check one,
talk to a person: three buttons into the existing flows), what the policy promises a complaint
filed now, and, outside working hours, when its agents answer. The dates and hours come from
the backend (`GET /api/chat/welcome`: the same calendar and shifts as a registration's deadlines
and a handoff's answer) and are written the local way (contract/dates.py); the words are the
domain's responses.

The conversation's language is the page's: the slot is set from it, and the message is rendered
in it here (Rasa renders a response with the tracker as it was before this action's events).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BackendAction
from actions.interpret import channel_hint
from actions.policy import policy_for
from bot.backend import BackendRejected, BackendUnavailable
from contract.dates import date_text, moment_text, weekly_hours
from contract.statuses import Language

logger = logging.getLogger(__name__)

WELCOME = "utter_chat_welcome"
AFTER_HOURS = "utter_chat_welcome_after_hours"
BRIEF = "utter_chat_welcome_brief"
SPOKEN = frozenset(language.value for language in Language)


def variation(domain: dict[str, Any], name: str, language: str) -> dict[str, Any]:
    """The response's variation for `language` (else its default), as the domain writes it."""
    variations = ((domain or {}).get("responses") or {}).get(name) or []
    default: dict[str, Any] = {}
    for candidate in variations:
        if candidate.get("channel"):
            continue
        conditions = candidate.get("condition") or []
        if not conditions:
            default = default or candidate
        elif any(c.get("name") == "language" and c.get("value") == language for c in conditions):
            return candidate
    return default


def welcome_values(answer: dict[str, Any], language: str) -> tuple[str, dict[str, str]]:
    """Which response, and its values, from the backend's answer."""
    values = {
        "acknowledge_by": date_text(answer.get("acknowledge_by"), language),
        "resolve_by": date_text(answer.get("resolve_by"), language),
    }
    if answer.get("within_working_hours"):
        return WELCOME, values
    values["working_hours"] = weekly_hours(answer.get("shifts") or {}, language)
    values["next_shift"] = moment_text(answer.get("next_shift_starts"), language)
    return AFTER_HOURS, values


class ActionGreetChat(BackendAction):
    def name(self) -> str:
        return "action_greet_chat"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        policy = policy_for(tracker)
        page = channel_hint((tracker.latest_message or {}).get("metadata") or {})
        # The page's language, of the four (any policy is served in them), else the conversation's.
        language = page if page in SPOKEN else None
        language = language or tracker.get_slot("language") or policy.default_language
        try:
            answer = await self.client.chat_welcome(policy.id)
            response, values = welcome_values(answer, language)
        except (BackendUnavailable, BackendRejected):
            logger.warning("chat welcome: backend unavailable, greeting without dates")
            response, values = BRIEF, {}
        chosen = variation(domain, response, language)
        dispatcher.utter_message(
            text=(chosen.get("text") or "").format(**values),
            buttons=list(chosen.get("buttons") or []),
            utter_action=response,
        )
        return [SlotSet("language", language)] if language != tracker.get_slot("language") else []
