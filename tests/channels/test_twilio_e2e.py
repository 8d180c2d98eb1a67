"""A customer on WhatsApp through Twilio files a complaint with a photo;
X-Twilio-Signature is checked with twilio's own RequestValidator."""

from __future__ import annotations

import time

import pytest

from tests.channels.helpers import TWILIO_NUMBER, TWILIO_TOKEN, rasa_log
from tests.support.conversation import TRACKING, slot
from tests.support.samples import JPEG
from tests.support.whatsapp import post_form, twilio_sign


def url(stack) -> str:
    return f"{stack.rasa_url}/webhooks/twilio/webhook"


def post_message(stack, twilio, number: str, body: str = "", **extra: str) -> None:
    """A customer's message as Twilio posts it, signed."""
    form = twilio.inbound_form(number, TWILIO_NUMBER, body, **extra)
    r = post_form(url(stack), form, {"X-Twilio-Signature": twilio_sign(TWILIO_TOKEN, url(stack), form)})
    assert r.status_code == 200 and "<Response>" in r.text, r.text


def say(stack, twilio, number: str, body: str = "", expect: str | None = None, **extra: str) -> list[dict]:
    sender = f"whatsapp:{number}"  # Twilio's address of the customer
    mark = twilio.mark()
    post_message(stack, twilio, number, body, **extra)
    twilio.wait_for(lambda q: q.get("kind") == "message" and q["form"]["To"] == sender, after=mark, timeout=60)
    deadline = time.monotonic() + 30
    while expect and slot(stack, f"tw:{number}", "requested_slot") != expect and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.3)
    return twilio.sent(sender, after=mark)


def bodies(replies: list[dict]) -> str:
    return "\n".join(r.get("Body", "") for r in replies)


def test_customer_files_a_complaint_through_twilio_whatsapp_with_a_photo(channel_stack, fakes, customer_number):
    s, twilio = channel_stack, fakes["twilio"]
    number = "+" + customer_number
    conversation = f"tw:{number}"

    replies = say(s, twilio, number, "Здравствуйте, хочу оставить жалобу", "full_name")
    assert all(r["From"] == f"whatsapp:{TWILIO_NUMBER}" for r in replies)
    say(s, twilio, number, "Мамедова Лейла Рашидовна", "phone")
    replies = say(s, twilio, number, "050 111 22 33", "staff_member")
    assert "• Не знаю" in bodies(replies)  # buttons as lines: free-form Twilio messages cannot carry them
    say(s, twilio, number, "не знаю", "complaint_text")
    media = twilio.add_media(JPEG, "image/jpeg")
    replies = say(
        s,
        twilio,
        number,
        "Купила гитару, через неделю треснула дека, в обмене отказали",
        "confirmed",
        NumMedia="1",
        MediaUrl0=media,
        MediaContentType0="image/jpeg",
        MessageType="image",
    )
    assert "+994501112233" in bodies(replies)
    twilio.wait_for(lambda q: q.get("kind") == "download")

    replies = say(s, twilio, number, "да")
    match = TRACKING.search(bodies(replies))
    assert match, bodies(replies)
    record = s.complaint(match.group(0))
    assert record["channel"] == "twilio" and record["language"] == "ru"
    assert record["phone"] == "+994501112233"
    assert [a["content_type"] for a in record["attachments"]] == ["image/jpeg"]
    assert slot(s, conversation, "tracking_number") == match.group(0)


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl", "other-token", "other-url"])
def test_unsigned_or_forged_calls_are_refused_and_logged_without_personal_data(
    channel_stack, fakes, customer_number, signature
):
    s, twilio = channel_stack, fakes["twilio"]
    number = "+" + customer_number
    form = twilio.inbound_form(number, TWILIO_NUMBER, "Меня зовут Гусейнова Айтен, телефон 055 987 65 43")
    if signature == "other-token":
        signature = twilio_sign("not-the-auth-token-000000000000", url(s), form)
    elif signature == "other-url":
        signature = twilio_sign(TWILIO_TOKEN, "https://attacker.example/webhooks/twilio/webhook", form)
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    mark = twilio.mark()
    r = post_form(url(s), form, headers)
    assert r.status_code == 403
    time.sleep(0.5)
    assert twilio.sent(f"whatsapp:{number}", after=mark) == []
    log = rasa_log(s)
    assert "twilio: webhook call refused" in log
    assert "Гусейнова" not in log and "987 65 43" not in log and customer_number not in log


def test_a_signed_form_with_a_changed_field_is_refused(channel_stack, fakes, customer_number):
    s, twilio = channel_stack, fakes["twilio"]
    form = twilio.inbound_form("+" + customer_number, TWILIO_NUMBER, "да")
    signature = twilio_sign(TWILIO_TOKEN, url(s), form)
    form["Body"] = "нет"
    assert post_form(url(s), form, {"X-Twilio-Signature": signature}).status_code == 403
