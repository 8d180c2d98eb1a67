"""action_validate_slot_mappings: runs on every customer message (inside Rasa's
action_extract_slots) and turns the message into slot values via interpret()."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import letters, parsing
from actions.answers import IDEA_SLOTS
from actions.handoff import (
    NOT_UNDERSTANDING,
    STUCK_EVERY,
    consecutive_fallbacks,
    is_specific_reprompt,
    same_reprompts_before,
)
from actions.interpret import Turn, interpret
from actions.policy import known, load_policy, policy_for
from contract import conversation_ids


def form_run_id(tracker: Tracker) -> str:
    """The conversation and the moment its complaint form last started: the same for every
    replay of a turn that was lost (a rasa server killed mid-turn saves nothing of it), so a
    confirmation sent again registers under the same Idempotency-Key."""
    started = next(
        (
            event.get("timestamp")
            for event in reversed(tracker.events or [])
            if event.get("event") == "active_loop" and event.get("name") == "complaint_form"
        ),
        None,
    )
    return f"{tracker.sender_id}:{started}"


def turn_from_tracker(tracker: Tracker) -> Turn:
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    return Turn(
        text=message.get("text") or "",
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        entities=list(message.get("entities") or []),
        metadata=message.get("metadata") or {},
        slots=dict(tracker.slots),
        requested_slot=tracker.get_slot("requested_slot"),
        form_active=(tracker.active_loop or {}).get("name") == "complaint_form",
        active_loop=(tracker.active_loop or {}).get("name"),
        form_run=form_run_id(tracker),
        by_email=conversation_ids.platform_id(tracker.sender_id, conversation_ids.EMAIL) is not None,
    )


class ActionValidateSlotMappings(Action):
    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        if tracker.is_paused():
            # An agent has the conversation: the bot neither answers nor fills the form.
            return []
        turn = turn_from_tracker(tracker)
        # A mailbox names its policy (IMAP_POLICY): only the backend's e-mail channel says so.
        named = known(turn.metadata.get("policy")) if turn.by_email else None
        policy = load_policy(named) if named else policy_for(tracker)
        outcome = interpret(turn, policy)
        if policy.id != tracker.get_slot("policy"):
            # The conversation keeps its policy in a slot: the rasa server's complaint form
            # (bot/dialogue/complaint_form.py) asks by it, and it stays the same to the end.
            outcome.slots["policy"] = policy.id
        language = outcome.slots.get("language") or tracker.get_slot("language")
        for response, kwargs in outcome.responses:
            dispatcher.utter_message(response=response, **kwargs)
        events = [SlotSet(name, value) for name, value in outcome.slots.items()]
        if language and "language" not in outcome.slots and tracker.get_slot("language") != language:
            events.append(SlotSet("language", language))
        understood = (
            any(v is not None and k not in NOT_UNDERSTANDING for k, v in outcome.slots.items())
            or (bool(turn.active_loop) and any(is_specific_reprompt(response) for response, _ in outcome.responses))
            or outcome.decision is not None
        )
        route = "status" if outcome.status_check else "complaint" if outcome.start_complaint else outcome.decision
        if outcome.wants_person:
            reason = "requested"
        else:
            # Telling a complaint, however angrily, is what the customer came for: an opening or the
            # answer to "what happened?". Fury instead of another answer ("SİZ DOLANDIRICISINIZ!!!"
            # to the phone question) still goes to a person.
            filing = outcome.start_complaint or (turn.form_active and turn.requested_slot in IDEA_SLOTS)
            filing = filing or (
                turn.intent in ("complain", "inform") and not turn.active_loop and not turn.slots.get("awaiting")
            )
            reason = None if outcome.status_check else handoff_reason(tracker, understood, language, filing)
        if reason:
            # A person takes over at once. Nothing of this message goes to the form, so
            # the form steps aside for the rule; what was collected before stays.
            route = "handoff"
            events = [e for e in events if e["name"] in ("language", "policy")]
            events.append(SlotSet("handoff_reason", reason))
        elif turn.active_loop:
            reprompt = next((r for r, _ in outcome.responses if r.startswith("utter_invalid_")), None)
            if reprompt and same_reprompts_before(tracker, reprompt) % STUCK_EVERY == STUCK_EVERY - 1:
                # Re-prompts do not hand over by themselves; the customer is told how to get out.
                dispatcher.utter_message(response="utter_stuck_on_field")
        if turn.by_email and not reason:
            asked = letters.ask_slots(turn, outcome, policy, domain, language)
            events.extend(SlotSet(name, value) for name, value in asked.items())
        if route or tracker.get_slot("route"):
            events.append(SlotSet("route", route))
        return events


def handoff_reason(
    tracker: Tracker, understood_now: bool, language: str | None = None, filing: bool = False
) -> str | None:
    """Why the conversation goes to a person without being asked: fury outside a complaint being
    told or filed ("Это просто издевательство" opening a complaint is the complaint: the form takes
    it), or two messages in a row not understood outside the form."""
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    if text.startswith("/"):
        return None
    if not filing and parsing.sounds_angry(text, language or tracker.get_slot("language")):
        return "angry"
    # Inside the complaint form bad input gets a short answer and the form goes on; the way
    # out (a person, or cancelling) is offered after repeated failures instead.
    in_form = (tracker.active_loop or {}).get("name") == "complaint_form"
    if not in_form and consecutive_fallbacks(tracker, understood_now) >= 2:
        return "not_understood"
    return None
