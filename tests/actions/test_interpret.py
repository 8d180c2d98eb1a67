"""What one message sets, for every validator and the policy-dependent slot sets."""

from dataclasses import replace

import pytest

from actions.interpret import interpret, interrupts
from actions.policy import load_policy
from tests.actions.factories import turn

EUROLUX = load_policy("eurolux")
INVERTER = load_policy("inverter_eu")
MUSIC = load_policy("music_gallery")
POLISER = load_policy("poliser")


def responses(outcome):
    return [name for name, _ in outcome.responses]


@pytest.mark.parametrize("intent", ["complain", "inform"])
def test_everything_in_the_first_message_is_taken(intent):
    text = "Меня зовут Керимов Фарид Алекперович, телефон 051 777 20 30, кассир Лейла обсчитала меня"
    out = interpret(
        turn(
            text,
            intent,
            entities=[
                {"entity": "person", "value": "Керимов Фарид Алекперович"},
                {"entity": "staff", "value": "кассир Лейла"},
            ],
            form_active=False,
        ),
        EUROLUX,
    )
    assert out.slots["language"] == "ru"
    assert out.slots["full_name"] == "Керимов Фарид Алекперович"
    assert out.slots["phone"] == "+994517772030"
    # The staff member is the person's name; the complaint is what happened, without the details.
    assert out.slots["staff_member"] == "Лейла" and out.slots["staff_role"] == "кассир"
    assert out.slots["complaint_text"] == "Кассир Лейла обсчитала меня"
    assert EUROLUX.required_slots({**out.slots}, []) == ["full_name", "phone", "staff_member", "complaint_text"]
    assert responses(out) == []


@pytest.mark.parametrize("intent", ["complain", "inform"])
def test_a_first_message_of_details_only_is_not_the_complaint(intent):
    text = "Меня зовут Керимов Фарид Алекперович, телефон 051 777 20 30"
    entities = [{"entity": "person", "value": "Керимов Фарид Алекперович"}]
    out = interpret(turn(text, intent, entities=entities, form_active=False), EUROLUX)
    assert out.slots["full_name"] == "Керимов Фарид Алекперович" and out.slots["phone"] == "+994517772030"
    assert "complaint_text" not in out.slots


def test_an_invalid_phone_is_refused_with_an_example_of_the_country():
    out = interpret(turn("12 34", requested="phone", slots={"language": "az"}), EUROLUX)
    assert out.slots == {"phone": None}
    assert out.responses == [("utter_invalid_phone", {"example": "040 123 45 67"})]


def test_a_foreign_phone_is_accepted_and_the_customer_is_told():
    out = interpret(turn("+7 916 123 45 67", requested="phone", slots={"language": "ru"}), EUROLUX)
    assert out.slots["phone"] == "+79161234567"
    assert responses(out) == ["utter_phone_foreign"]


@pytest.mark.parametrize("text,lang", [("не знаю", "ru"), ("bilmirəm", "az"), ("nu știu", "ro"), ("bilmiyorum", "tr")])
def test_unknown_staff_member_is_skipped(text, lang):
    out = interpret(turn(text, "dont_know", requested="staff_member", slots={"language": lang}), EUROLUX)
    assert out.slots["staff_member"] is None
    assert out.slots["skipped_slots"] == ["staff_member"]
    assert "staff_member" not in EUROLUX.required_slots({"language": lang}, out.slots["skipped_slots"])


def test_a_required_field_cannot_be_skipped():
    out = interpret(turn("не знаю", "dont_know", requested="phone", slots={"language": "ru"}), EUROLUX)
    assert out.slots["phone"] is None
    assert "skipped_slots" not in out.slots
    assert responses(out) == ["utter_invalid_phone"]


def test_email_answers_the_phone_question_where_the_policy_takes_either():
    out = interpret(turn("ion.pop@example.com", requested="phone", slots={"language": "ro"}), MUSIC)
    assert out.slots["email"] == "ion.pop@example.com"
    assert "phone" not in out.slots
    assert responses(out) == []
    assert "phone" not in MUSIC.required_slots({"email": "ion.pop@example.com"})


def test_email_does_not_answer_the_phone_question_where_the_policy_wants_a_phone():
    out = interpret(turn("ion.pop@example.com", requested="phone", slots={"language": "ru"}), EUROLUX)
    assert out.slots["phone"] is None
    assert responses(out) == ["utter_invalid_phone"]


def test_inverter_slots_depend_on_the_kind_of_complaint():
    base = {"full_name": "Stan Cristina Elena", "email": "c@example.ro"}
    assert INVERTER.required_slots(base) == [
        "full_name",
        "email",
        "complaint_category",
        "serial_number",
        "complaint_text",
        "solution_idea",
    ]
    service = INVERTER.required_slots({**base, "complaint_category": "service"})
    product = INVERTER.required_slots({**base, "complaint_category": "product"})
    assert "ticket_number" in service and "inverter_model" not in service
    assert "inverter_model" in product and "ticket_number" not in product
    assert "serial_number" not in INVERTER.required_slots({**base, "complaint_category": "product"}, ["serial_number"])


def test_category_from_a_button_and_from_words():
    out = interpret(
        turn(
            '/inform{"category":"service"}',
            "inform",
            entities=[{"entity": "category", "value": "service"}],
            requested="complaint_category",
            slots={"language": "ro"},
        ),
        INVERTER,
    )
    assert out.slots["complaint_category"] == "service"
    out = interpret(
        turn("e o problema cu produsul", requested="complaint_category", slots={"language": "ro"}), INVERTER
    )
    assert out.slots["complaint_category"] == "product"


def test_serial_number_and_model_are_read_as_codes():
    out = interpret(turn("seria HV2207012345", requested="serial_number", slots={"language": "ro"}), INVERTER)
    assert out.slots["serial_number"] == "HV2207012345"
    out = interpret(turn("Huawei SUN2000-5KTL-M1", requested="inverter_model", slots={"language": "ro"}), INVERTER)
    assert out.slots["inverter_model"] == "Huawei SUN2000-5KTL-M1"
    out = interpret(turn("nu am seria", "dont_know", requested="serial_number", slots={"language": "ro"}), INVERTER)
    assert out.slots["skipped_slots"] == ["serial_number"]


def test_policy_slot_sets(any_policy):
    slots = any_policy.required_slots({})
    assert slots[0] == "full_name"
    assert "complaint_text" in slots
    contact = {
        "eurolux": "phone",
        "kontakt": "phone",
        "music_gallery": "phone",
        "poliser": "phone",
        "inverter_eu": "email",
    }
    assert contact[any_policy.id] in slots
    assert ("staff_member" in slots) == (any_policy.id in ("eurolux", "kontakt", "music_gallery"))


def test_confirmation_yes_gives_a_registration_key():
    out = interpret(turn("да, всё верно", "affirm", requested="confirmed", slots={"language": "ru"}), EUROLUX)
    assert out.slots["confirmed"] == "yes" and len(out.slots["registration_key"]) == 32


def test_a_replayed_confirmation_gets_the_same_key_a_new_form_run_another():
    def key(form_run):
        t = replace(turn("да", "affirm", requested="confirmed", slots={"language": "ru"}), form_run=form_run)
        return interpret(t, EUROLUX).slots["registration_key"]

    assert key("abc:1700000000.5") == key("abc:1700000000.5")
    assert key("abc:1700000000.5") != key("abc:1700000999.1")
    assert key("abc:1700000000.5") != key("xyz:1700000000.5")


def test_form_run_id_is_the_latest_start_of_the_complaint_form():
    from rasa_sdk import Tracker

    from actions.slot_mappings import form_run_id

    events = [
        {"event": "active_loop", "name": "complaint_form", "timestamp": 100.0},
        {"event": "active_loop", "name": None, "timestamp": 150.0},
        {"event": "active_loop", "name": "status_form", "timestamp": 160.0},
        {"event": "active_loop", "name": "complaint_form", "timestamp": 200.0},
        {"event": "user", "text": "да", "timestamp": 210.0},
    ]
    tracker = Tracker("c1", {}, {}, events, False, None, {}, "action_listen")
    assert form_run_id(tracker) == "c1:200.0"
    assert form_run_id(Tracker("c1", {}, {}, events[:3], False, None, {}, "action_listen")) == "c1:100.0"


def test_correction_empties_only_the_named_field():
    filled = {"language": "ru", "full_name": "Керимов Фарид", "phone": "+994517772030", "complaint_text": "x" * 20}
    out = interpret(turn("телефон неправильный", "correct_field", requested="confirmed", slots=filled), EUROLUX)
    assert out.slots["phone"] is None and out.slots["confirmed"] is None
    assert "full_name" not in out.slots and "complaint_text" not in out.slots


def test_correction_with_the_new_value_in_the_same_message():
    filled = {"language": "ru", "phone": "+994517772030"}
    out = interpret(
        turn("телефон неправильный, правильный 050 123 45 67", "correct_field", requested="confirmed", slots=filled),
        EUROLUX,
    )
    assert out.slots["phone"] == "+994501234567"


def test_correction_without_a_field_asks_which():
    out = interpret(turn("нет", "deny", requested="confirmed", slots={"language": "ru"}), EUROLUX)
    assert out.slots["correcting"] is True and out.slots["confirmed"] is None
    out = interpret(
        turn("имя", "inform", requested="field_to_correct", slots={"language": "ru", "correcting": True}), EUROLUX
    )
    assert out.slots["full_name"] is None and out.slots["correcting"] is False


def test_a_20000_character_message_is_refused_and_loses_nothing():
    out = interpret(
        turn(
            "а" * 20000, "complain", requested="complaint_text", slots={"language": "ru", "full_name": "Керимов Фарид"}
        ),
        EUROLUX,
    )
    assert responses(out) == ["utter_message_too_long"]
    assert out.slots == {"complaint_text": None}


@pytest.mark.parametrize("text", ["😡😡😡", "!!!", "   "])
def test_emoji_only_gets_a_clear_answer(text):
    out = interpret(turn(text, "nlu_fallback", requested="full_name", slots={"language": "tr"}), POLISER)
    assert responses(out) == ["utter_invalid_message"]
    assert out.slots == {"full_name": None}


def test_html_is_stored_as_text_without_tags():
    out = interpret(
        turn(
            "<script>alert(1)</script> kasiyer bana bağırdı ve fişi vermedi",
            "complain",
            requested="complaint_text",
            slots={"language": "tr"},
        ),
        POLISER,
    )
    assert "<script>" not in out.slots["complaint_text"]
    assert "kasiyer bana bağırdı" in out.slots["complaint_text"]


def test_sql_fragment_is_not_a_name():
    out = interpret(turn("'; DROP TABLE complaints; --", requested="full_name", slots={"language": "ru"}), EUROLUX)
    assert out.slots == {"full_name": None}
    assert responses(out) == ["utter_invalid_full_name"]


def test_short_control_message_interrupts_but_a_long_complaint_does_not():
    out = interpret(
        turn("оператора позовите", "request_human", 0.97, requested="complaint_text", slots={"language": "ru"}), EUROLUX
    )
    assert "complaint_text" not in out.slots
    long = "ваш оператор по телефону нагрубил мне и бросил трубку когда я спросил про доставку холодильника"
    out = interpret(turn(long, "request_human", 0.85, requested="complaint_text", slots={"language": "ru"}), EUROLUX)
    assert out.slots["complaint_text"] == "В" + long[1:]


def test_language_is_kept_for_data_and_switched_on_a_clear_sentence():
    out = interpret(turn("salam, şikayətim var", "complain", form_active=False), EUROLUX)
    assert out.slots["language"] == "az"
    out = interpret(turn("Öztürk Hakan", requested="full_name", slots={"language": "az"}), EUROLUX)
    assert "language" not in out.slots
    out = interpret(
        turn(
            "извините, можно я дальше буду писать по-русски, мне так удобнее",
            "complain",
            requested="staff_member",
            slots={"language": "az"},
        ),
        EUROLUX,
    )
    assert out.slots["language"] == "ru"
    out = interpret(
        turn(
            "türkçe",
            "switch_language",
            entities=[{"entity": "language", "value": "tr"}],
            requested="phone",
            slots={"language": "ru", "full_name": "X Y"},
        ),
        EUROLUX,
    )
    assert out.slots == {"language": "tr"}


def test_channel_hint_decides_an_ambiguous_first_message():
    out = interpret(turn("ok", "affirm", metadata={"telegram": {"language_code": "ro"}}, form_active=False), EUROLUX)
    assert out.slots["language"] == "ro"
    out = interpret(turn("👍", "affirm", metadata={"customData": {"language": "tr"}}, form_active=False), EUROLUX)
    assert out.slots["language"] == "tr"


def test_data_answers_the_question_even_when_the_classifier_says_out_of_scope():
    out = interpret(
        turn("ion.popescu@example.ro", "out_of_scope", 0.95, requested="email", slots={"language": "ro"}), INVERTER
    )
    assert out.slots["email"] == "ion.popescu@example.ro"


def test_junk_the_classifier_calls_cancel_does_not_end_the_form():
    t = turn("<script>alert('x')</script>", "cancel", 0.99, requested="full_name", slots={"language": "tr"})
    assert not interrupts(t, t.text, "full_name")
    out = interpret(t, POLISER)
    assert out.slots == {"full_name": None}


@pytest.mark.parametrize("text", ["отмените жалобу", "ləğv edin", "anulați, vă rog", "iptal et", "vazgeçtim"])
def test_cancel_in_words_ends_the_form(text):
    assert interrupts(turn(text, "cancel", 0.95, requested="phone"), text, "phone")


def test_status_question_with_number_and_pin_fills_both():
    out = interpret(
        turn("где моя жалоба k7qm-4pxr, пин 123456", "check_status", form_active=False, slots={"language": "ru"}),
        EUROLUX,
    )
    assert out.slots["tracking_number"] == "K7QM-4PXR" and out.slots["pin"] == "123456"


@pytest.mark.parametrize("text,tn", [("K7QM4PXR", "K7QM-4PXR"), ("nömrəm k7qm 4pxr", "K7QM-4PXR")])
def test_tracking_number_typed_loosely(text, tn):
    t = turn(text, "inform", requested="tracking_number", form_active=False, slots={"language": "az"})
    t.active_loop = "status_form"
    assert interpret(t, EUROLUX).slots["tracking_number"] == tn


def test_status_form_refuses_what_is_not_a_pin():
    t = turn("12345", "inform", requested="pin", form_active=False, slots={"language": "tr"})
    t.active_loop = "status_form"
    out = interpret(t, POLISER)
    assert out.slots == {"pin": None} and responses(out) == ["utter_invalid_pin"]


@pytest.mark.parametrize("text,rating", [("5", "5"), ("ставлю 4", "4"), ("10", None), ("super", None)])
def test_rating(text, rating):
    t = turn(text, "inform", requested="rating", form_active=False, slots={"language": "ro"})
    t.active_loop = "rating_form"
    out = interpret(t, INVERTER)
    assert out.slots["rating"] == rating


def test_rejection_reason_is_kept_as_text():
    t = turn(
        "компенсация слишком маленькая",
        "deny",
        requested="rejection_reason",
        form_active=False,
        slots={"language": "ru"},
    )
    t.active_loop = "rejection_form"
    assert interpret(t, POLISER).slots["rejection_reason"] == "компенсация слишком маленькая"


def test_a_long_answer_that_says_wrong_is_still_the_answer():
    text = "sipariş ettiğim boya eksik teslim edildi ve fatura yanlış"
    out = interpret(turn(text, "correct_field", 0.9, requested="complaint_text", slots={"language": "tr"}), POLISER)
    assert out.slots["complaint_text"] == "S" + text[1:] and "correcting" not in out.slots


def test_a_tracking_number_outside_a_form_starts_the_status_look_up():
    out = interpret(
        turn("где моя жалоба? ZZZZ-9999 123456", "complain", form_active=False, slots={"language": "ru"}), EUROLUX
    )
    assert out.status_check and out.slots["tracking_number"] == "ZZZZ-9999" and out.slots["pin"] == "123456"


def test_a_tracking_number_without_digits_is_still_one_when_written_with_its_dash():
    from actions import parsing

    assert parsing.find_tracking_number("hwkq-pzmt") == "HWKQ-PZMT"
    assert parsing.find_tracking_number("COMPLAIN") is None
    assert parsing.find_tracking_number("asta este mult prea") is None
