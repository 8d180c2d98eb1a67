"""bot/dialogue/complaint_form.py: the complaint form's next question and its conversation-dependent
questions, decided in the rasa server. Rasa's real FormAction, domain, response generator and
tracker; the action endpoint is None, so any call to the action server would raise."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.actions import action as rasa_action
from rasa.core.actions.action import RemoteAction
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue.complaint_form import FORM, AskConfirmed, AskPhone, AskStaffMember, ComplaintFormAction
from bot.runtime.patches import local_form

ROOT = Path(__file__).resolve().parents[3]
DOMAIN = Domain.load(ROOT / "domain.yml")
NLG = TemplatedNaturalLanguageGenerator(DOMAIN.responses)


def tracker(*events, policy: str = "eurolux", language: str = "ru") -> DialogueStateTracker:
    start = [ActionExecuted(ACTION_LISTEN_NAME), SlotSet("policy", policy), SlotSet("language", language)]
    return DialogueStateTracker.from_events("t", [*start, *events], slots=DOMAIN.slots)


def in_form(asked: str, answer: dict[str, object], **kwargs) -> DialogueStateTracker:
    """The form asked `asked`; the customer's message set `answer` (as action_validate_slot_mappings does)."""
    return tracker(
        ActionExecuted(FORM),
        ActiveLoop(FORM),
        SlotSet(REQUESTED_SLOT, asked),
        ActionExecuted(ACTION_LISTEN_NAME),
        UserUttered("…", {"name": "inform", "confidence": 0.9}),
        *(SlotSet(k, v) for k, v in answer.items()),
        **kwargs,
    )


def run(action, t: DialogueStateTracker):
    return asyncio.run(action.run(CollectingOutputChannel(), NLG, t, DOMAIN))


def asked_and_said(events) -> tuple[str | None, list[BotUttered]]:
    requested = [e.value for e in events if isinstance(e, SlotSet) and e.key == REQUESTED_SLOT]
    return (requested[-1] if requested else "unset"), [e for e in events if isinstance(e, BotUttered)]


def test_a_form_turn_asks_the_policys_next_question_without_the_action_server():
    events = run(ComplaintFormAction(None), in_form("full_name", {"full_name": "Мамедова Лейла"}))
    asked, said = asked_and_said(events)
    assert asked == "phone" and [b.metadata["utter_action"] for b in said] == ["utter_ask_phone"]


@pytest.mark.parametrize(
    ("policy", "slots", "expected"),
    [
        ("eurolux", {"full_name": "A"}, "phone"),
        ("eurolux", {"full_name": "A", "phone": "+994501112233"}, "staff_member"),
        ("eurolux", {"full_name": "A", "phone": "+1", "skipped_slots": ["staff_member"]}, "complaint_text"),
        ("poliser", {"full_name": "A", "phone": "+905321112233"}, "complaint_text"),
        # "No phone": the policy's alternative, the e-mail, is asked instead.
        ("kontakt", {"full_name": "A", "skipped_slots": ["phone"]}, "email"),
        ("kontakt", {"full_name": "A", "email": "a@b.az", "skipped_slots": ["phone"]}, "staff_member"),
        ("inverter_eu", {"full_name": "A", "email": "a@b.ro"}, "complaint_category"),
        ("inverter_eu", {"full_name": "A", "email": "a@b.ro", "complaint_category": "service"}, "ticket_number"),
        ("inverter_eu", {"full_name": "A", "email": "a@b.ro", "complaint_category": "product"}, "inverter_model"),
    ],
)
def test_the_next_question_follows_the_policy(policy, slots, expected):
    asked, _ = asked_and_said(run(ComplaintFormAction(None), in_form("full_name", slots, policy=policy)))
    assert asked == expected


def test_a_correction_is_asked_then_the_summary_and_a_full_form_stays_open_for_the_summary():
    full = {"full_name": "A", "phone": "+994501112233", "staff_member": "Aysel", "complaint_text": "сломан"}
    asked, said = asked_and_said(run(ComplaintFormAction(None), in_form("confirmed", {**full, "correcting": True})))
    assert asked == "field_to_correct"
    asked, said = asked_and_said(run(ComplaintFormAction(None), in_form("complaint_text", full)))
    assert asked == "confirmed" and "Проверьте" in said[0].text and "• " in said[0].text


def test_a_confirmed_form_is_done():
    full = {"full_name": "A", "phone": "+994501112233", "staff_member": "Aysel", "complaint_text": "x"}
    events = run(ComplaintFormAction(None), in_form("confirmed", {**full, "confirmed": "yes"}))
    assert SlotSet(REQUESTED_SLOT, None) in events and ActiveLoop(None) in events


def test_nothing_read_from_the_answer_lets_the_rules_answer():
    # As with a validation action: no slot set this turn rejects the form's prediction.
    with pytest.raises(rasa_action.ActionExecutionRejection):
        run(ComplaintFormAction(None), in_form("phone", {}))


@pytest.mark.parametrize(
    ("policy", "language", "expected"),
    [
        ("eurolux", "ru", "utter_ask_phone"),
        ("kontakt", "az", "utter_ask_phone_or_email"),
        ("music_gallery", "ru", "utter_ask_phone_or_email"),
        ("poliser", "tr", "utter_ask_phone"),
    ],
)
def test_the_phone_question_offers_the_e_mail_where_the_policy_accepts_it(policy, language, expected):
    [said] = run(AskPhone(), tracker(policy=policy, language=language))
    assert said.metadata["utter_action"] == expected
    wording = next(
        v["text"]
        for v in DOMAIN.responses[expected]
        if {"name": "language", "type": "slot", "value": language} in (v.get("condition") or [])
    )
    assert said.text == wording


def test_the_staff_question_asks_for_the_name_of_a_role_given_with_the_dont_know_button():
    [said] = run(AskStaffMember(), tracker(SlotSet("staff_role", "курьер")))
    assert said.metadata["utter_action"] == "utter_ask_staff_name" and "«курьер»" in said.text
    assert [b["payload"] for b in said.data["buttons"]] == ["/dont_know"]
    [said] = run(AskStaffMember(), tracker(language="tr"))
    assert said.metadata["utter_action"] == "utter_ask_staff_member"


def test_the_summary_lists_every_asked_field_in_the_customers_language():
    t = tracker(
        SlotSet("full_name", "Kaya Elif"),
        SlotSet("phone", "+994501112233"),
        SlotSet("staff_member", "Ayten"),
        SlotSet("staff_role", "kasiyer"),
        SlotSet("complaint_text", "fiş vermedi"),
        language="tr",
    )
    [said] = run(AskConfirmed(), t)
    assert said.metadata["utter_action"] == "utter_ask_confirmed"
    lines = [line for line in said.text.splitlines() if line.startswith("• ")]
    assert lines == [
        "• Ad soyad: Kaya Elif",
        "• Telefon: +994501112233",
        "• Çalışan: Ayten (kasiyer)",
        "• Şikâyet konusu: fiş vermedi",
    ], said.text
    assert [b["payload"] for b in said.data["buttons"]] == ["/affirm", "/correct_field", "/cancel"]


def test_an_optional_field_left_empty_and_the_category_read_in_the_language():
    t = tracker(
        SlotSet("full_name", "Ion Pop"),
        SlotSet("email", "ion@pop.ro"),
        SlotSet("complaint_category", "service"),
        SlotSet("ticket_number", "TK-1234"),
        SlotSet("complaint_text", "nu a venit nimeni"),
        policy="inverter_eu",
        language="ro",
    )
    [said] = run(AskConfirmed(), t)
    text = said.text
    category = next(
        v["text"]
        for v in DOMAIN.responses["utter_label_service"]
        if v.get("condition") and v["condition"][0]["value"] == "ro"
    )
    not_given = next(
        v["text"]
        for v in DOMAIN.responses["utter_label_not_given"]
        if v.get("condition") and v["condition"][0]["value"] == "ro"
    )
    assert f": {category}" in text and "TK-1234" in text and text.count(not_given) == 2  # serial number, solution idea


def test_the_patch_serves_the_form_and_its_questions_and_leaves_every_other_action_to_rasa():
    local_form.install()
    assert isinstance(rasa_action.action_for_name_or_text(FORM, DOMAIN, None), ComplaintFormAction)
    assert isinstance(rasa_action.action_for_name_or_text("action_ask_confirmed", DOMAIN, None), AskConfirmed)
    assert isinstance(rasa_action.action_for_name_or_text("action_submit_complaint", DOMAIN, None), RemoteAction)
    assert isinstance(rasa_action.action_for_name_or_text("action_validate_slot_mappings", DOMAIN, None), RemoteAction)
    assert type(rasa_action.action_for_name_or_text("status_form", DOMAIN, None)).__name__ == "FormAction"
