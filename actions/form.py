"""The complaint form: which slots to ask (from the policy), and how to ask the
two questions that need more than a fixed text (contact, summary)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.policy import policy_for
from actions.responses import response_text
from contract.fields import INTAKE_SLOTS


def form_slots(tracker: Tracker) -> list[str]:
    """The policy's intake for this conversation, then the correction and confirmation steps."""
    policy = policy_for(tracker)
    slots = policy.required_slots(tracker.slots, tracker.get_slot("skipped_slots"))
    if tracker.get_slot("correcting"):
        slots.append("field_to_correct")
    slots.append("confirmed")
    return slots


class ValidateComplaintForm(FormValidationAction):
    def name(self) -> str:
        return "validate_complaint_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[str]:
        return form_slots(tracker)


class ActionAskPhone(Action):
    """Phone, or "phone or e-mail" where the policy accepts either."""

    def name(self) -> str:
        return "action_ask_phone"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        item = policy_for(tracker).item("phone")
        either = bool(item and item.alternative == "email")
        dispatcher.utter_message(response="utter_ask_phone_or_email" if either else "utter_ask_phone")
        return []


class ActionAskStaffMember(Action):
    """Who served the customer; when only a role was said ("курьер"), whether they know the name
    (once: a second "don't know" leaves the field empty)."""

    def name(self) -> str:
        return "action_ask_staff_member"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        role = tracker.get_slot("staff_role")
        if role:
            dispatcher.utter_message(response="utter_ask_staff_name", role=role)
        else:
            dispatcher.utter_message(response="utter_ask_staff_member")
        return []


def summary_lines(tracker: Tracker, domain: dict[str, Any]) -> str:
    language = tracker.get_slot("language")
    policy = policy_for(tracker)
    asked = set(policy.required_slots(tracker.slots, [])) | {i.alternative for i in policy.intake if i.alternative}
    lines = []
    for slot in INTAKE_SLOTS:
        if slot not in asked:
            continue
        value = tracker.get_slot(slot)
        if value is None:
            if not (policy.item(slot) and policy.item(slot).optional) and slot != "email":
                continue
            if slot == "email" and "email" not in {i.slot for i in policy.intake}:
                continue
            value = response_text(domain, "utter_label_not_given", language)
        elif slot == "staff_member" and tracker.get_slot("staff_role"):
            value = f"{value} ({tracker.get_slot('staff_role')})"
        elif slot == "complaint_category":
            value = response_text(domain, f"utter_label_{value}", language)
        label = response_text(domain, f"utter_label_{slot}", language)
        lines.append(f"• {label}: {value}")
    return "\n".join(lines)


class ActionAskConfirmed(Action):
    """The summary of every field, with confirm / correct / cancel."""

    def name(self) -> str:
        return "action_ask_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        dispatcher.utter_message(response="utter_ask_confirmed", summary=summary_lines(tracker, domain))
        return []
