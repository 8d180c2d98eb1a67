"""Registering the confirmed complaint in the backend, and cancelling it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, ReminderScheduled, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BackendAction
from actions.policy import load_policy
from actions.responses import response_text
from bot.backend import BackendRejected, BackendUnavailable
from bot.settings import settings
from contract.fields import INTAKE_SLOTS

logger = logging.getLogger(__name__)

# Date formats customers of each language expect (day first everywhere here).
DATE_FORMATS = {"ru": "%d.%m.%Y", "az": "%d.%m.%Y", "ro": "%d.%m.%Y", "tr": "%d.%m.%Y"}
CONVERSATION_SLOTS = ("confirmed", "registration_key", "skipped_slots", "correcting", "field_to_correct")


def format_date(value: str | None, language: str | None) -> str:
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.strftime(DATE_FORMATS.get(language or "", "%d.%m.%Y"))


def reset_events() -> list[SlotSet]:
    return [SlotSet(slot, None) for slot in (*INTAKE_SLOTS, *CONVERSATION_SLOTS)]


def channel_of(tracker: Tracker) -> str:
    channel = (tracker.latest_message or {}).get("input_channel") or tracker.get_latest_input_channel()
    return channel or "rest"


def complaint_payload(tracker: Tracker) -> dict[str, Any]:
    payload = {slot: tracker.get_slot(slot) for slot in INTAKE_SLOTS}
    payload.update(
        language=tracker.get_slot("language"),
        channel=channel_of(tracker),
        policy=load_policy().id,
        conversation_id=tracker.sender_id,
    )
    return payload


class ActionSubmitComplaint(BackendAction):
    def name(self) -> str:
        return "action_submit_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        key = tracker.get_slot("registration_key")
        if tracker.get_slot("confirmed") != "yes" or not key:
            dispatcher.utter_message(response="utter_nothing_to_register")
            return []
        language = tracker.get_slot("language")
        try:
            answer = await self.client.register_complaint(complaint_payload(tracker), idempotency_key=key)
        except BackendUnavailable:
            dispatcher.utter_message(response="utter_registration_retrying")
            retry_at = datetime.now(timezone.utc) + timedelta(seconds=settings.registration_retry_seconds)
            return [
                ReminderScheduled(
                    "EXTERNAL_retry_registration",
                    trigger_date_time=retry_at,
                    name=f"retry-registration-{key}",
                    kill_on_user_message=False,
                )
            ]
        except BackendRejected as rejected:
            field = rejected.field if rejected.field in INTAKE_SLOTS else None
            logger.info("backend refused a complaint: status %s, field %s", rejected.status, field)
            label = response_text(domain, f"utter_label_{field}", language) if field else "—"
            dispatcher.utter_message(response="utter_registration_rejected", field=label)
            events: list = [SlotSet("confirmed", None), SlotSet("registration_key", None)]
            if field:
                events.append(SlotSet(field, None))
            return [*events, FollowupAction("complaint_form")]

        deadlines = answer.get("deadlines") or {}
        dispatcher.utter_message(
            response="utter_complaint_registered",
            tracking_number=answer["tracking_number"],
            pin=answer.get("pin") or "—",
            acknowledge_by=format_date(deadlines.get("acknowledge_by"), language),
            resolve_by=format_date(deadlines.get("resolve_by"), language),
        )
        logger.info("complaint %s registered", answer["tracking_number"])
        return [*reset_events(), SlotSet("tracking_number", answer["tracking_number"])]


class ActionCancelComplaint(Action):
    def name(self) -> str:
        return "action_cancel_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        started = any(tracker.get_slot(slot) is not None for slot in INTAKE_SLOTS)
        dispatcher.utter_message(response="utter_complaint_cancelled" if started else "utter_nothing_to_register")
        return reset_events()
