"""Whole conversations through the REST channel, one per policy, checked in the backend."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.conversation import domain_texts, slot, tracking_number
from tests.support.stack import AGENT_TOKEN


def converse(stack, sender, script):
    """script: list of (message, expected requested_slot after it, or None to skip the check)."""
    replies = []
    for message, expected in script:
        replies = stack.say(sender, message)
        assert replies, f"no reply to {message!r}"
        if expected is not None:
            got = slot(stack, sender, "requested_slot")
            assert got == expected, (
                f"after {message!r} expected to be asked {expected}, asked {got}; bot said {replies}"
            )
    return replies


def registered(stack, replies, language):
    tn = tracking_number(replies)
    assert tn, f"no tracking number in {replies}"
    first_line = domain_texts("utter_complaint_registered")[language].split("\n")[0]
    assert any(first_line in (r.get("text") or "") for r in replies), replies
    return stack.complaint(tn)


@pytest.mark.parametrize("policy_stack", ["eurolux"], indirect=True)
def test_eurolux_everything_in_one_message_reaches_confirmation_in_one_turn(policy_stack, sender):
    s = policy_stack
    replies = converse(
        s,
        sender,
        [
            ("Меня зовут Керимов Фарид Алекперович, телефон 051 777 20 30, кассир Лейла обсчитала меня", "confirmed"),
        ],
    )
    summary = replies[-1]["text"]
    assert "+994517772030" in summary and "Керимов Фарид Алекперович" in summary
    replies = converse(s, sender, [("да, всё верно", None)])
    record = registered(s, replies, "ru")
    assert record["policy"] == "eurolux" and record["language"] == "ru" and record["channel"] == "rest"
    assert record["full_name"] == "Керимов Фарид Алекперович"
    assert record["phone"] == "+994517772030"
    assert "Лейла" in record["staff_member"]
    assert "обсчитала" in record["complaint_text"]
    assert record["status"] == "registered"
    assert record["deadlines"]["acknowledge_by"] and record["deadlines"]["resolve_by"]
    # The form's slots are reset; the language and the tracking number stay.
    assert slot(s, sender, "full_name") is None and slot(s, sender, "tracking_number") == record["tracking_number"]


@pytest.mark.parametrize("policy_stack", ["kontakt"], indirect=True)
def test_kontakt_azerbaijani_step_by_step_email_instead_of_phone_staff_unknown(policy_stack, sender):
    s = policy_stack
    replies = converse(
        s,
        sender,
        [
            ("salam, şikayət etmək istəyirəm", "full_name"),
            ("Əliyeva Nərmin Tofiq qızı", "phone"),
            ("nermin.aliyeva@example.az", "staff_member"),
            ("bilmirəm", "complaint_text"),
            ("paltaryuyan maşını iki həftədir çatdırmırlar, zəng edəndə heç kim cavab vermir", "confirmed"),
            ("bəli, düzdür", None),
        ],
    )
    record = registered(s, replies, "az")
    assert record["policy"] == "kontakt" and record["language"] == "az"
    assert record["full_name"] == "Əliyeva Nərmin Tofiq qızı"
    assert record["email"] == "nermin.aliyeva@example.az" and record["phone"] is None
    assert record["staff_member"] is None


@pytest.mark.parametrize("policy_stack", ["music_gallery"], indirect=True)
def test_music_gallery_correcting_the_phone_keeps_the_rest(policy_stack, sender):
    s = policy_stack
    converse(
        s,
        sender,
        [
            ("Здравствуйте, хочу оставить жалобу на магазин", None),
            ("Мамедова Лейла Рашидовна", "phone"),
            ("050 111 22 33", "staff_member"),
            ("продавец Эльчин", "complaint_text"),
            ("купила гитару, через неделю треснула дека, в обмене отказали", "confirmed"),
            ("телефон неправильный", "phone"),
            ("055 444 55 66", "confirmed"),
        ],
    )
    replies = converse(s, sender, [("да", None)])
    record = registered(s, replies, "ru")
    assert record["phone"] == "+994554445566"
    assert record["full_name"] == "Мамедова Лейла Рашидовна"
    assert record["staff_member"] == "Эльчин"  # the name; the role is not a name


@pytest.mark.parametrize("policy_stack", ["inverter_eu"], indirect=True)
def test_inverter_product_complaint_in_romanian(policy_stack, sender):
    s = policy_stack
    replies = converse(
        s,
        sender,
        [
            ("Bună ziua, vreau să depun o reclamație", "full_name"),
            ("Stan Cristina Elena", "email"),
            ("cristina.stan@example.ro", "complaint_category"),
            ("produsul", "inverter_model"),
            ("Huawei SUN2000-5KTL-M1", "serial_number"),
            ("nu am numărul de serie", "complaint_text"),
            ("invertorul se oprește în fiecare zi la prânz cu eroarea 2001", "solution_idea"),
            ("aș vrea înlocuirea invertorului în garanție", "confirmed"),
            ("da, corect", None),
        ],
    )
    record = registered(s, replies, "ro")
    assert record["policy"] == "inverter_eu"
    assert record["complaint_category"] == "product"
    assert record["inverter_model"] == "Huawei SUN2000-5KTL-M1"
    assert record["serial_number"] is None and record["ticket_number"] is None
    assert "eroarea 2001" in record["complaint_text"]
    assert "înlocuirea" in record["solution_idea"]
    assert record["deadlines"]["progress_update_by"]


@pytest.mark.parametrize("policy_stack", ["inverter_eu"], indirect=True)
def test_inverter_service_complaint_asks_the_ticket(policy_stack, sender):
    s = policy_stack
    converse(
        s,
        sender,
        [
            ("buna ziua, tehnicianul nu a mai venit deloc", None),
            ("Popescu Ion", "email"),
            # "the technician did not come" says it is about the service: not asked again.
            ("ion.popescu@example.ro", "ticket_number"),
            ("tichetul 2024-1187", "serial_number"),
            ("HV2207012345", None),
        ],
    )
    assert slot(s, sender, "ticket_number") == "2024-1187"
    assert slot(s, sender, "serial_number") == "HV2207012345"


@pytest.mark.parametrize("policy_stack", ["poliser"], indirect=True)
def test_poliser_turkish(policy_stack, sender):
    s = policy_stack
    replies = converse(
        s,
        sender,
        [
            ("Merhaba, şikayetim var", "full_name"),
            ("Öztürk Hakan", "phone"),
            ("0542 318 40 09", "complaint_text"),
            ("aldığım yalıtım levhaları kırık geldi, bayi değiştirmeyi reddediyor", "confirmed"),
            ("evet doğru", None),
        ],
    )
    record = registered(s, replies, "tr")
    assert record["policy"] == "poliser" and record["language"] == "tr"
    assert record["phone"] == "+905423184009"
    assert record["full_name"] == "Öztürk Hakan"


@pytest.mark.parametrize("policy_stack", ["poliser"], indirect=True)
def test_bad_input_gets_a_clear_reply_and_the_conversation_goes_on(policy_stack, sender):
    s = policy_stack
    converse(s, sender, [("Merhaba, şikayetim var", "full_name")])
    invalid = domain_texts("utter_invalid_message")["tr"]
    too_long = domain_texts("utter_message_too_long")["tr"].split("{")[0]
    replies = s.say(sender, "şikayet " * 2500)
    assert any(too_long in (r.get("text") or "") for r in replies), replies
    replies = s.say(sender, "😡😡😡")
    assert any(r.get("text") == invalid for r in replies), replies
    replies = s.say(sender, "<script>alert('x')</script>")
    assert replies and slot(s, sender, "full_name") is None
    replies = s.say(sender, "'; DROP TABLE complaints; --")
    assert replies and slot(s, sender, "full_name") is None
    assert slot(s, sender, "requested_slot") == "full_name"
    converse(s, sender, [("Yılmaz Ayşe", "phone")])
    replies = s.say(sender, "+7 916 123 45 67")
    assert slot(s, sender, "phone") == "+79161234567"
    assert any("+79161234567" in (r.get("text") or "") for r in replies), replies
    assert slot(s, sender, "language") == "tr"
    converse(s, sender, [("sipariş ettiğim boya eksik teslim edildi ve fatura yanlış", "confirmed")])


@pytest.mark.parametrize("policy_stack", ["eurolux"], indirect=True)
def test_backend_down_keeps_everything_and_registers_once_when_back(policy_stack, sender):
    s = policy_stack
    name = "Гусейнов Тимур Ильхамович"
    converse(s, sender, [(f"Меня зовут {name}, телефон 051 777 20 31, кассир Лейла обсчитала меня", "confirmed")])
    s.stop("backend")
    try:
        replies = s.say(sender, "да")
        retry_text = domain_texts("utter_registration_retrying")["ru"]
        assert any(r.get("text") == retry_text for r in replies), replies
        assert slot(s, sender, "full_name") == name
        assert slot(s, sender, "phone") == "+994517772031"
    finally:
        s.start("backend")
        s.wait_ready("backend")
    # The action server's outbox retries on its own (OUTBOX_RETRY_SECONDS=1 in the tests).
    deadline = time.monotonic() + 60
    while slot(s, sender, "tracking_number") is None and time.monotonic() < deadline:
        time.sleep(1)
    tn = slot(s, sender, "tracking_number")
    assert tn, "registration was not retried"
    record = s.complaint(tn)
    assert record["full_name"] == name and record["phone"] == "+994517772031"
    # Pressing retry afterwards registers nothing new.
    s.say(sender, "/retry_registration")
    listed = httpx.get(
        f"{s.backend_url}/api/complaints",
        params={"q": "Гусейнов"},
        headers={"Authorization": f"Bearer {AGENT_TOKEN}"},
        timeout=10,
    ).json()
    items = listed["items"] if isinstance(listed, dict) else listed
    assert len([c for c in items if c["full_name"] == name]) == 1
