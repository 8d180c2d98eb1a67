"""The complaint form run inside the rasa server: which question comes next and how it is asked,
without a call to the action server (issue 25: one action server call per customer turn).

Rasa's FormAction would ask the action server twice more on a form turn after the message's slots are
read (`action_validate_slot_mappings`): `validate_complaint_form` for the next question (the
policy's intake, contract/policy.py) and `action_ask_<slot>` where a question depends on the
conversation. Both need only the slots and the policy profile, which this process has, so they are
answered here; the action server keeps the one call that reads the message, which validates the
values it sets (so the form has no validation action in the domain). Installed by bot/runtime/patches/local_form.py."""

from __future__ import annotations

from typing import Any

from rasa.core.actions.action import Action, RemoteAction
from rasa.core.actions.forms import FormAction
from rasa.shared.core.events import Event

from bot.settings import settings
from contract.fields import INTAKE_SLOTS
from contract.policy import IntakePolicy, conversation_intake

FORM = "complaint_form"


def policy_of(tracker: Any) -> IntakePolicy:
    """The conversation's policy: slot `policy` (action_validate_slot_mappings sets it on the first
    message: COMPLAINT_POLICY of the action server, or the mailbox's for the e-mail channel), else
    this server's COMPLAINT_POLICY."""
    return conversation_intake(tracker.get_slot("policy"), settings.policy)


class ComplaintFormAction(FormAction):
    def __init__(self, action_endpoint: Any) -> None:
        super().__init__(FORM, action_endpoint)

    def _find_next_slot_to_request(self, tracker, domain) -> str | None:
        slots = tracker.current_slot_values()
        return next((slot for slot in policy_of(tracker).form_slots(slots) if slots.get(slot) is None), None)

    async def _ask_for_slot(self, domain, nlg, output_channel, slot_name, tracker) -> list[Event]:
        local = LOCAL_ASK_ACTIONS.get(self._name_of_utterance(domain, slot_name) or "")
        if local is None:
            return await super()._ask_for_slot(domain, nlg, output_channel, slot_name, tracker)
        return await local.run(output_channel, nlg, tracker, domain)


async def _utter(nlg, tracker, output_channel, response: str, **kwargs: Any) -> list[Event]:
    """A response of the domain, made by the code Rasa runs for the action server's
    `utter_message(response=...)`: the same message and event as before the form moved here."""
    return await RemoteAction._utter_responses([{"response": response, **kwargs}], output_channel, nlg, tracker)


async def _text(nlg, tracker, response: str) -> str:
    # No channel's own wording for a label: the summary reads the same on every channel.
    draft = await nlg.generate(response, tracker, "")
    return (draft or {}).get("text") or response


class AskPhone(Action):
    """Phone, or "phone or e-mail" where the policy accepts either."""

    def name(self) -> str:
        return "action_ask_phone"

    async def run(self, output_channel, nlg, tracker, domain) -> list[Event]:
        item = policy_of(tracker).item("phone")
        either = bool(item and item.alternative == "email")
        return await _utter(nlg, tracker, output_channel, "utter_ask_phone_or_email" if either else "utter_ask_phone")


class AskStaffMember(Action):
    """Who served the customer; when only a role was said ("курьер"), whether they know the name
    (once: a second "don't know" leaves the field empty, actions/answers.py)."""

    def name(self) -> str:
        return "action_ask_staff_member"

    async def run(self, output_channel, nlg, tracker, domain) -> list[Event]:
        role = tracker.get_slot("staff_role")
        if role:
            return await _utter(nlg, tracker, output_channel, "utter_ask_staff_name", role=role)
        return await _utter(nlg, tracker, output_channel, "utter_ask_staff_member")


async def summary_lines(nlg, tracker) -> str:
    """Every field the policy asked, with "not given" for an optional one left empty."""
    policy = policy_of(tracker)
    slots = tracker.current_slot_values()
    asked = set(policy.required_slots(slots, [])) | {i.alternative for i in policy.intake if i.alternative}
    lines = []
    for slot in INTAKE_SLOTS:
        if slot not in asked:
            continue
        value = slots.get(slot)
        item = policy.item(slot)
        if value is None:
            if slot == "email" and policy.item("email") is None:
                continue
            if not (item and item.optional) and slot != "email":
                continue
            value = await _text(nlg, tracker, "utter_label_not_given")
        elif slot == "staff_member" and slots.get("staff_role"):
            value = f"{value} ({slots['staff_role']})"
        elif slot == "complaint_category":
            value = await _text(nlg, tracker, f"utter_label_{value}")
        lines.append(f"• {await _text(nlg, tracker, f'utter_label_{slot}')}: {value}")
    return "\n".join(lines)


class AskConfirmed(Action):
    """The summary of every field, with confirm / correct / cancel."""

    def name(self) -> str:
        return "action_ask_confirmed"

    async def run(self, output_channel, nlg, tracker, domain) -> list[Event]:
        summary = await summary_lines(nlg, tracker)
        return await _utter(nlg, tracker, output_channel, "utter_ask_confirmed", summary=summary)


# The form's questions answered in this process, by the action name the domain gives them.
LOCAL_ASK_ACTIONS = {action.name(): action for action in (AskPhone(), AskStaffMember(), AskConfirmed())}
