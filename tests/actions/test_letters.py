"""A letter of the e-mail channel read as a whole: every field it gives, whatever question the
last letter asked, and one list of what is still missing."""

from dataclasses import replace

import yaml

from actions.interpret import interpret
from actions.letters import ask_slots
from actions.policy import load_policy
from tests.actions.factories import turn

INVERTER = load_policy("inverter_eu")
EUROLUX = load_policy("eurolux")
DOMAIN = yaml.safe_load(open("domain.yml", encoding="utf-8"))
ADDRESS = {"email": "client.solar@example.ro", "channel": "email"}


def letter(text, *, slots=None, requested=None, intent="complain"):
    return replace(turn(text, intent, requested=requested, slots=slots, metadata=ADDRESS), by_email=True)


FIRST = (
    "Bună ziua,\n\nAm un invertor Huawei SUN2000-5KTL-L1 montat în martie. De o săptămână afișează "
    "eroarea 2001 și nu mai produce curent, deși panourile sunt curate.\n\nCu stimă"
)


def test_a_first_letter_gives_every_field_it_holds_and_the_sender_address():
    out = interpret(letter(FIRST, slots={"language": "ro"}), INVERTER)
    assert out.slots["email"] == "client.solar@example.ro"
    assert "SUN2000-5KTL-L1" in out.slots["inverter_model"]
    assert "eroarea 2001" in out.slots["complaint_text"]
    assert "Bună ziua" not in out.slots["complaint_text"]
    assert out.slots.get("full_name") is None and out.start_complaint
    # The model and no ticket: a complaint about the product, not asked again.
    assert out.slots["complaint_category"] == "product"


def test_the_answer_letter_lists_everything_missing_with_the_optional_ones_marked():
    first = letter(FIRST, slots={"language": "ro"})
    out = interpret(first, INVERTER)
    # Rasa sends no domain to the action run on every message: the labels come from domain.yml.
    asked = ask_slots(first, out, INVERTER, {}, "ro")
    assert asked["emailed_fields"] == ["full_name", "serial_number", "solution_idea"]
    text = asked["missing_fields"]
    assert text.splitlines()[0].startswith("Pentru a înregistra reclamația")
    assert "• Nume și prenume" in text
    assert text.count("(dacă există)") == 2


def test_a_reply_gives_several_fields_and_optional_ones_not_given_are_skipped():
    slots = {
        "language": "ro",
        "email": "client.solar@example.ro",
        "complaint_category": "product",
        "inverter_model": "SUN2000-5KTL-L1",
        "complaint_text": "eroarea 2001",
        "emailed_fields": ["full_name", "serial_number", "solution_idea"],
    }
    reply = "Bună ziua,\nMă numesc Ion Popescu.\nSeria: SN-22070 12345\nMulțumesc"
    out = interpret(letter(reply, slots=slots, requested="full_name", intent="inform"), INVERTER)
    assert out.slots["full_name"] == "Ion Popescu"
    assert out.slots["serial_number"].replace(" ", "").endswith("2207012345")
    assert out.slots["skipped_slots"] == ["solution_idea"]
    assert not out.responses  # no re-prompt: the answer letter lists what is missing


def test_labelled_and_bare_lines_answer_the_list():
    slots = {"language": "ru", "emailed_fields": ["full_name", "phone"], "complaint_text": "нахамили на кассе"}
    reply = "Здравствуйте!\nФИО: Керимов Фарид Алекперович\n050 123 45 67"
    out = interpret(letter(reply, slots=slots, requested="full_name", intent="inform"), EUROLUX)
    assert out.slots["full_name"] == "Керимов Фарид Алекперович"
    assert out.slots["phone"] == "+994501234567"


def test_a_reply_without_the_name_asks_only_for_it_again():
    slots = {
        "language": "tr",
        "email": "musteri@example.com.tr",
        "complaint_category": "product",
        "inverter_model": "SUN2000-5KTL-L1",
        "complaint_text": "invertör çalışmıyor",
        "emailed_fields": ["full_name", "serial_number", "solution_idea"],
    }
    reply = "Merhaba, seri numarası elimde yok maalesef."
    first = letter(reply, slots=slots, requested="full_name", intent="inform")
    out = interpret(first, INVERTER)
    assert out.slots.get("full_name") is None and not out.responses
    asked = ask_slots(first, out, INVERTER, DOMAIN, "tr")
    assert asked["emailed_fields"] == ["full_name"]
    assert "(varsa)" not in asked["missing_fields"]
