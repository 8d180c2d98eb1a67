"""The backend's scheduler reaches customers through Rasa's HTTP API with an
output channel: each channel gives Rasa one (InputChannel.get_output_channel)."""

from __future__ import annotations

import random

import httpx

from backend.app.clients.rasa_paths import conversation_path
from tests.channels.helpers import TELEGRAM_SECRET, TWILIO_NUMBER, TWILIO_TOKEN
from tests.support.conversation import domain_texts
from tests.support.whatsapp import post_form, twilio_sign


def trigger_greet(stack, sender: str, channel: str) -> None:
    r = httpx.post(
        f"{stack.rasa_url}{conversation_path(sender)}/trigger_intent",
        params={"output_channel": channel},
        json={"name": "greet"},
        timeout=60,
    )
    assert r.status_code == 200, r.text


def test_rasa_reaches_a_telegram_customer_without_a_new_message(channel_stack, fakes):
    s, tg = channel_stack, fakes["telegram"]
    chat = random.randint(10**8, 10**9)
    httpx.post(
        f"{s.rasa_url}/webhooks/telegram/webhook",
        json=tg.message_update(chat, "Здравствуйте"),
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        timeout=60,
    )
    mark = tg.mark()
    trigger_greet(s, f"tg:{chat}", "telegram")
    assert [m["text"] for m in tg.sent(chat, after=mark)] == [domain_texts("utter_greet")["ru"]]


def test_rasa_reaches_a_whatsapp_customer_without_a_new_message(channel_stack, fakes, customer_number):
    s, graph = channel_stack, fakes["graph"]
    mark = graph.mark()
    trigger_greet(s, f"wa:{customer_number}", "whatsapp")
    (sent,) = graph.sent(customer_number, after=mark)
    # a conversation that never started: the policy's default language
    assert sent["interactive"]["body"]["text"] in domain_texts("utter_greet").values()


def test_rasa_reaches_a_twilio_customer_without_a_new_message(channel_stack, fakes, customer_number):
    s, twilio = channel_stack, fakes["twilio"]
    sender = f"whatsapp:+{customer_number}"  # Twilio's address; the conversation is tw:+<number>
    url = f"{s.rasa_url}/webhooks/twilio/webhook"
    form = twilio.inbound_form(f"+{customer_number}", TWILIO_NUMBER, "Здравствуйте")
    post_form(url, form, {"X-Twilio-Signature": twilio_sign(TWILIO_TOKEN, url, form)})
    twilio.wait_for(lambda q: q.get("kind") == "message" and q["form"]["To"] == sender)
    mark = twilio.mark()
    trigger_greet(s, f"tw:+{customer_number}", "twilio")
    (sent,) = twilio.sent(sender, after=mark)
    assert sent["Body"].startswith(domain_texts("utter_greet")["ru"])
