"""Handing the conversation to a person: on request, after two messages the bot
did not understand, or when the customer is furious."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import parsing
from actions.base import BackendAction
from actions.policy import policy_for
from actions.registration import channel_of
from bot.backend import BackendRejected, BackendUnavailable
from contract.dates import moment_text as format_moment
from contract.fields import CARD_SLOTS

logger = logging.getLogger(__name__)


def consecutive_fallbacks(tracker: Tracker, understood_now: bool = False) -> int:
    """How many of the customer's latest messages in a row the bot did not understand:
    classified nlu_fallback and not accepted as the answer to a question either. Inside a
    form, a message the form took as its answer and re-prompted for specifically (a name that
    is not a name, a phone number that is not valid) was understood: whether the classifier
    also gave up on it is chance, and the customer already has the question again.

    understood_now: the latest message filled a slot or got such a re-prompt (it is not in the
    tracker yet)."""
    in_form = bool((tracker.active_loop or {}).get("name"))
    count = 0
    filled_after = understood_now
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "slot" and event.get("value") is not None and event.get("name") not in NOT_UNDERSTANDING:
            filled_after = True
        if kind == "bot" and in_form and is_specific_reprompt((event.get("metadata") or {}).get("utter_action")):
            filled_after = True
        if kind != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        # Inside a form an odd answer already gets its own re-prompt; only the
        # classifier giving up counts there.
        lost = intent == "nlu_fallback" or (not in_form and parsing.gibberish(event.get("text") or ""))
        if not lost or filled_after:
            break
        count += 1
        filled_after = False
    return count


def is_specific_reprompt(response: str | None) -> bool:
    """utter_invalid_<field>: the message was read as that field's value and found wrong;
    utter_invalid_message says the message could not be read at all."""
    return bool(response) and response.startswith("utter_invalid_") and response != "utter_invalid_message"


def same_reprompts_before(tracker: Tracker, response: str) -> int:
    """How many of the customer's previous messages in a row, before the latest one, got the
    same specific re-prompt (`response`, utter_invalid_<field>): a customer who cannot give
    that field (no phone of the policy's country, no order number) is asked the same question
    forever unless told how to get out."""
    count = 0
    users_seen = 0
    got_it = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "bot" and (event.get("metadata") or {}).get("utter_action") == response:
            got_it = True
        elif kind == "user":
            users_seen += 1
            if users_seen == 1:  # the latest message: its re-prompt is being sent now
                got_it = False
                continue
            if not got_it:
                break
            count += 1
            got_it = False
    return count


STUCK_EVERY = 3  # the way out is offered at the 3rd, 6th, ... same re-prompt in a row


# Slots that change without the bot having understood anything.
NOT_UNDERSTANDING = {"language", "requested_slot", "handoff_reason", "skipped_slots", "route", "policy"}


class ActionHandoff(BackendAction):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        reason = tracker.get_slot("handoff_reason") or "requested"
        slots = {name: tracker.get_slot(name) for name in CARD_SLOTS}
        payload = {
            "conversation_id": tracker.sender_id,
            "channel": channel_of(tracker),
            "language": tracker.get_slot("language"),
            "policy": policy_for(tracker).id,
            "reason": reason,
            "slots": slots,
        }
        try:
            answer = await self.client.request_handoff(payload)
        except (BackendUnavailable, BackendRejected):
            dispatcher.utter_message(response="utter_handoff_unavailable")
            return [SlotSet("handoff_reason", None)]
        complete = all(tracker.get_slot(s) for s in policy_for(tracker).required_slots(tracker.slots, []))
        language = tracker.get_slot("language")
        if answer.get("within_working_hours"):
            soon = format_moment(answer.get("expected_reply_by"), language)
            dispatcher.utter_message(response="utter_handoff_now", time=soon)
        else:
            later = format_moment(answer.get("next_shift_starts"), language)
            dispatcher.utter_message(response="utter_handoff_later", time=later)
            if tracker.active_loop and complete:
                dispatcher.utter_message(response="utter_handoff_confirm_to_register")
        logger.info("conversation handed over (reason %s)", reason)
        return [SlotSet("handoff_reason", None), ConversationPaused()]
