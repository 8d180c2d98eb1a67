"""Status checks (tracking number + PIN) and the customer's answer to a decision."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BackendAction
from actions.responses import response_text
from bot.backend import BackendRejected, BackendUnavailable
from contract.dates import date_text

logger = logging.getLogger(__name__)

# The backend's one answer for an unknown tracking number, a wrong PIN, and a complaint of
# another conversation without its PIN.
NO_MATCH = 404


class ValidateStatusForm(FormValidationAction):
    """Values come from action_validate_slot_mappings; nothing more to check here."""

    def name(self) -> str:
        return "validate_status_form"


class ActionLookUpStatus(BackendAction):
    def name(self) -> str:
        return "action_look_up_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        tn, pin = tracker.get_slot("tracking_number"), tracker.get_slot("pin")
        language = tracker.get_slot("language")
        forget_pin = SlotSet("pin", None)
        if not tn or not pin:
            return [forget_pin]
        try:
            answer = await self.client.look_up_status(tn, pin, language)
        except BackendUnavailable:
            dispatcher.utter_message(response="utter_status_unavailable")
            return [forget_pin]
        except BackendRejected as rejected:
            if rejected.status == NO_MATCH:
                # An unknown number and a wrong PIN are one answer: ask for the PIN again (a
                # message with both the number and the PIN corrects either).
                dispatcher.utter_message(response="utter_status_wrong_pin")
                return [forget_pin, FollowupAction("status_form")]
            if rejected.status == 429:
                minutes = max(1, round(int(rejected.retry_after or 60) / 60))
                dispatcher.utter_message(response="utter_status_locked", minutes=minutes)
                return [forget_pin]
            dispatcher.utter_message(response="utter_status_unknown_number", tracking_number=tn)
            return [forget_pin, SlotSet("tracking_number", None)]
        deadlines = answer.get("deadlines") or {}
        note = ""
        if answer.get("last_note"):
            template = response_text(domain, "utter_status_last_note", language)
            last = answer["last_note"]
            note = "\n" + template.format(
                at=date_text(last.get("at"), language, weekday=False), text=last.get("text", "")
            )
        dispatcher.utter_message(
            response="utter_status_report",
            tracking_number=answer["tracking_number"],
            status=answer.get("status_label") or answer.get("status"),
            acknowledge_by=date_text(deadlines.get("acknowledge_by"), language),
            resolve_by=date_text(deadlines.get("resolve_by"), language),
            note=note,
        )
        return [forget_pin]


class ActionPresentDecision(Action):
    """The backend resolved a complaint: show the decision, ask approve / reject."""

    def name(self) -> str:
        return "action_present_decision"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        tn = tracker.get_slot("decision_tracking_number")
        text = tracker.get_slot("decision_text") or ""
        if not tn:
            return []
        dispatcher.utter_message(response="utter_decision", tracking_number=tn, decision=text)
        return [SlotSet("awaiting", "decision"), SlotSet("rejection_reason", None)]


class ActionRecordDecision(BackendAction):
    """Approve (-> closed, then a 1-5 rating) or reject with a reason (-> re-review, or
    disputed and the external remedies after the second rejection)."""

    def name(self) -> str:
        return "action_record_decision"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        tn = tracker.get_slot("decision_tracking_number")
        reason = tracker.get_slot("rejection_reason")
        approved = reason is None
        if not tn:
            return [SlotSet("awaiting", None)]
        try:
            answer = await self.client.record_decision(
                tn,
                approved=approved,
                reason=reason,
                language=tracker.get_slot("language"),
                conversation_id=tracker.sender_id,
                pin=tracker.get_slot("pin"),
            )
        except BackendRejected as rejected:
            if rejected.status == NO_MATCH:
                # Not this conversation's complaint and no PIN for it: nothing of it is shown.
                dispatcher.utter_message(response="utter_status_unknown_number", tracking_number=tn)
                return _forget_decision()
            dispatcher.utter_message(response="utter_decision_not_recorded")
            return [SlotSet("rejection_reason", None)]
        except BackendUnavailable:
            dispatcher.utter_message(response="utter_decision_not_recorded")
            return [SlotSet("rejection_reason", None)]
        done = [SlotSet("awaiting", None), SlotSet("rejection_reason", None)]
        if approved:
            return [*done, FollowupAction("rating_form")]
        if answer.get("status") == "disputed":
            dispatcher.utter_message(
                response="utter_disputed", tracking_number=tn, remedies=answer.get("external_remedies") or ""
            )
        else:
            dispatcher.utter_message(response="utter_rereview_started", tracking_number=tn)
        return [*done, SlotSet("decision_tracking_number", None), SlotSet("decision_text", None)]


class ActionStoreRating(BackendAction):
    def name(self) -> str:
        return "action_store_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        tn, rating = tracker.get_slot("decision_tracking_number"), tracker.get_slot("rating")
        if tn and rating:
            try:
                await self.client.store_rating(
                    tn, int(rating), conversation_id=tracker.sender_id, pin=tracker.get_slot("pin")
                )
            except (BackendUnavailable, BackendRejected):
                logger.warning("rating for %s not stored", tn)
        dispatcher.utter_message(response="utter_thanks_for_rating")
        return [SlotSet("rating", None), SlotSet("decision_tracking_number", None), SlotSet("decision_text", None)]


def _forget_decision() -> list[dict[str, Any]]:
    return [
        SlotSet("awaiting", None),
        SlotSet("rejection_reason", None),
        SlotSet("decision_tracking_number", None),
        SlotSet("decision_text", None),
    ]
