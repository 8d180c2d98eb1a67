"""Registering the confirmed complaint in the backend, and cancelling it.

When the backend cannot be reached, the registration waits in the durable outbox
(actions/outbox): the action server's delivery loop posts it with the same idempotency key and
then triggers EXTERNAL_retry_registration in the conversation, where this action asks the backend
again (the idempotent replay, PIN included), tells the customer and removes the row.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BackendAction
from actions.outbox import Entry, OutboxStore, outbox
from actions.outbox.conversation import RETRY_INTENT
from actions.parsers.category import infer_category
from actions.policy import policy_for
from actions.responses import response_text
from bot.backend import BackendClient, BackendRejected, BackendUnavailable
from contract.dates import date_text as format_date  # dates the way the notifications write them
from contract.fields import INTAKE_SLOTS

logger = logging.getLogger(__name__)

CONVERSATION_SLOTS = (
    "confirmed",
    "registration_key",
    "skipped_slots",
    "correcting",
    "field_to_correct",
    "staff_role",
    "complaint_topic",
)


def reset_events() -> list[SlotSet]:
    return [SlotSet(slot, None) for slot in (*INTAKE_SLOTS, *CONVERSATION_SLOTS)]


def channel_of(tracker: Tracker) -> str:
    channel = (tracker.latest_message or {}).get("input_channel") or tracker.get_latest_input_channel()
    return channel or "rest"


def complaint_payload(tracker: Tracker) -> dict[str, Any]:
    payload = {slot: tracker.get_slot(slot) for slot in INTAKE_SLOTS}
    policy = policy_for(tracker)
    payload.update(
        language=tracker.get_slot("language"),
        channel=channel_of(tracker),
        policy=policy.id,
        conversation_id=tracker.sender_id,
    )
    if not policy.asks("complaint_category") and payload["complaint_category"] is None:
        # Never asked where the policy does not ask it: read from the text, or left to the
        # policy's handoff team when unsure.
        payload["complaint_category"] = infer_category(payload["complaint_text"], payload["language"], policy)
    return payload


def triggered_by_outbox(tracker: Tracker) -> bool:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") == RETRY_INTENT


class ActionSubmitComplaint(BackendAction):
    def __init__(self, client: BackendClient | None = None, store: OutboxStore | None = None):
        super().__init__(client)
        self._store = store

    @property
    def store(self) -> OutboxStore:
        return self._store or outbox()

    def name(self) -> str:
        return "action_submit_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        if triggered_by_outbox(tracker):
            return await self.tell_delivered(dispatcher, tracker, domain)
        key = tracker.get_slot("registration_key")
        if tracker.get_slot("confirmed") != "yes" or not key:
            dispatcher.utter_message(response="utter_nothing_to_register")
            return []
        payload = complaint_payload(tracker)
        try:
            answer = await self.client.register_complaint(payload, idempotency_key=key)
        except BackendUnavailable:
            entry = Entry(key, tracker.sender_id, payload["channel"], payload["language"], payload, time.time())
            if await asyncio.to_thread(self.store.put, entry):
                logger.info("registration %s waits in the outbox", key[:8])
            dispatcher.utter_message(response="utter_registration_retrying")
            return []
        except BackendRejected as rejected:
            await asyncio.to_thread(self.store.remove, key)
            return refused(dispatcher, domain, rejected, tracker.get_slot("language"), current=True)
        await asyncio.to_thread(self.store.remove, key)  # the customer is told right now
        return registered(dispatcher, answer, tracker.get_slot("language"), current=True)

    async def tell_delivered(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        """The outbox's trigger: tells each registration of this conversation the backend has
        answered, from the row (the slots may since hold another complaint, or nothing). A second
        trigger finds no row and says nothing."""
        events: list = []
        for entry in await asyncio.to_thread(self.store.delivered_for, tracker.sender_id):
            current = entry.idempotency_key == tracker.get_slot("registration_key")
            try:
                answer = await self.client.register_complaint(entry.payload, idempotency_key=entry.idempotency_key)
            except BackendUnavailable:
                continue  # the row stays; the outbox triggers again later
            except BackendRejected as rejected:
                events += refused(dispatcher, domain, rejected, entry.language, current=current)
            else:
                events += registered(dispatcher, answer, entry.language, current=current)
            await asyncio.to_thread(self.store.remove, entry.idempotency_key)
        return events


def registered(dispatcher: CollectingDispatcher, answer: dict[str, Any], language: str | None, *, current: bool):
    """The registration reply; `current`: it is the complaint the slots hold, which ends."""
    deadlines = answer.get("deadlines") or {}
    dispatcher.utter_message(
        response="utter_complaint_registered",
        tracking_number=answer["tracking_number"],
        pin=answer.get("pin") or "—",
        acknowledge_by=format_date(deadlines.get("acknowledge_by"), language),
        resolve_by=format_date(deadlines.get("resolve_by"), language),
    )
    logger.info("complaint %s registered", answer["tracking_number"])
    tracking = SlotSet("tracking_number", answer["tracking_number"])
    return [*reset_events(), tracking] if current else [tracking]


def refused(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    rejected: BackendRejected,
    language: str | None,
    *,
    current: bool,
) -> list:
    """The backend's refusal; for the complaint the slots hold, the form asks the field again."""
    field = rejected.field if rejected.field in INTAKE_SLOTS else None
    logger.info("backend refused a complaint: status %s, field %s", rejected.status, field)
    label = response_text(domain, f"utter_label_{field}", language) if field else "—"
    dispatcher.utter_message(response="utter_registration_rejected", field=label)
    if not current:
        return []
    events: list = [SlotSet("confirmed", None), SlotSet("registration_key", None)]
    if field:
        events.append(SlotSet(field, None))
    return [*events, FollowupAction("complaint_form")]


class ActionCancelComplaint(Action):
    def __init__(self, store: OutboxStore | None = None):
        self._store = store

    def name(self) -> str:
        return "action_cancel_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        started = any(tracker.get_slot(slot) is not None for slot in INTAKE_SLOTS)
        key = tracker.get_slot("registration_key")
        if key and await asyncio.to_thread((self._store or outbox()).discard_pending, key):
            logger.info("registration %s taken out of the outbox on the customer's cancel", key[:8])
        dispatcher.utter_message(response="utter_complaint_cancelled" if started else "utter_nothing_to_register")
        return reset_events()
