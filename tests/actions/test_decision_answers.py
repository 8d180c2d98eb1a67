"""The answer to a decision said in words, whatever the classifier read ("nu sunt de acord cu
decizia, ..." is a story to it): approve / reject, and a rejection's reason when it says one."""

from dataclasses import replace

import pytest

from actions.interpret import interpret
from actions.policy import load_policy
from tests.actions.factories import turn

POLICY = load_policy("inverter_eu")
AWAITING = {"awaiting": "decision", "decision_tracking_number": "XAJ6-BVX9", "language": "ro"}


@pytest.mark.parametrize(
    "text, intent",
    [
        ("Nu sunt de acord cu decizia, invertorul tot nu funcționează.", "complain"),
        ("Bună ziua, nu sunt de acord cu această decizie, vreau banii înapoi.", "greet"),
        ("Не согласен с решением: деньги так и не вернули", "check_status"),
        ("Qərarla razı deyiləm, cihaz yenə işləmir", "deny"),
        ("Karara katılmıyorum çünkü cihaz hâlâ çalışmıyor", "nlu_fallback"),
    ],
)
def test_a_rejection_with_words_beyond_the_no_carries_its_reason(text, intent):
    out = interpret(turn(text, intent, slots=AWAITING, form_active=False), POLICY)
    assert out.decision == "reject"
    assert out.slots["rejection_reason"] == text
    assert not out.start_complaint  # not a new complaint


@pytest.mark.parametrize("text", ["Sunt de acord", "Согласен, спасибо", "Razıyam", "Kabul ediyorum"])
def test_an_approval_in_words(text):
    out = interpret(turn(text, "complain", slots=AWAITING, form_active=False), POLICY)
    assert out.decision == "approve" and "rejection_reason" not in out.slots


@pytest.mark.parametrize(
    "text",
    [
        "nu, nu sunt de acord",
        "Bună ziua, nu sunt de acord cu această decizie.",
        "нет, не согласен с этим решением",
        "xeyr, razı deyiləm",
        "hayır, kabul etmiyorum",
    ],
)
def test_a_no_with_only_polite_words_around_it_is_asked_why_in_the_chat(text):
    out = interpret(turn(text, "deny", slots=AWAITING, form_active=False), POLICY)
    assert out.decision == "reject" and "rejection_reason" not in out.slots


def test_a_bare_no_in_the_chat_is_asked_why_but_by_email_it_is_the_answer():
    chat = interpret(turn("Nu sunt de acord", "deny", slots=AWAITING, form_active=False), POLICY)
    assert chat.decision == "reject" and "rejection_reason" not in chat.slots
    letter = replace(turn("Nu sunt de acord", "deny", slots=AWAITING, form_active=False), by_email=True)
    by_email = interpret(letter, POLICY)
    assert by_email.decision == "reject" and by_email.slots["rejection_reason"] == "Nu sunt de acord"


def test_without_a_decision_shown_the_words_mean_nothing_special():
    out = interpret(
        turn("Nu sunt de acord cu decizia", "complain", slots={"language": "ro"}, form_active=False), POLICY
    )
    assert out.decision is None
