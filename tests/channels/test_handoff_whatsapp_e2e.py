"""An agent takes over a WhatsApp conversation, on the Meta Cloud API and on Twilio: the
customer asks for a person half way through a complaint, the agent's message reaches the
customer's phone through that channel's API (the loopback fakes), the bot stays silent while
the agent has it, and when the agent gives it back the bot asks its question again with the
slots intact."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
import test_twilio_e2e as twilio_e2e
import test_whatsapp_e2e as whatsapp_e2e
from helpers import slot

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "handoff"))
from handoff_stack import create_agents, open_handoff, rasa_paused, wait_for  # noqa: E402


@pytest.fixture(scope="module")
def agents(channel_stack):
    return create_agents(channel_stack, "root", "alice")


class WhatsAppCloud:
    channel = "whatsapp"

    def __init__(self, stack, fakes, number: str) -> None:
        self.stack, self.graph, self.conversation = stack, fakes["graph"], number

    def say(self, text: str, expect: str | None = None) -> str:
        replies = whatsapp_e2e.say(self.stack, self.graph, self.conversation, whatsapp_e2e.text(text), expect)
        return whatsapp_e2e.body_texts(replies)

    def write_silently(self, text: str) -> None:
        r = whatsapp_e2e.post(self.stack, self.graph.webhook(self.conversation, whatsapp_e2e.text(text)))
        assert r.status_code == 200

    def mark(self) -> int:
        return self.graph.mark()

    def wait_sent(self, after: int, body: str | None = None) -> list[str]:
        def to_customer(q) -> bool:
            if q.get("kind") != "message" or q["json"]["to"] != self.conversation:
                return False
            return body is None or (q["json"].get("text") or {}).get("body") == body

        self.graph.wait_for(to_customer, after=after, timeout=30)
        return [whatsapp_e2e.body_texts([m]) for m in self.graph.sent(self.conversation, after=after)]


class Twilio:
    channel = "twilio"

    def __init__(self, stack, fakes, number: str) -> None:
        self.stack, self.twilio = stack, fakes["twilio"]
        self.number, self.conversation = "+" + number, f"whatsapp:+{number}"

    def say(self, text: str, expect: str | None = None) -> str:
        return twilio_e2e.bodies(twilio_e2e.say(self.stack, self.twilio, self.number, text, expect))

    def write_silently(self, text: str) -> None:
        from fakes import post_form, twilio_sign
        from helpers import TWILIO_NUMBER, TWILIO_TOKEN

        form = self.twilio.inbound_form(self.number, TWILIO_NUMBER, text)
        url = twilio_e2e.url(self.stack)
        r = post_form(url, form, {"X-Twilio-Signature": twilio_sign(TWILIO_TOKEN, url, form)})
        assert r.status_code == 200

    def mark(self) -> int:
        return self.twilio.mark()

    def wait_sent(self, after: int, body: str | None = None) -> list[str]:
        def to_customer(q) -> bool:
            if q.get("kind") != "message" or q["form"]["To"] != self.conversation:
                return False
            return body is None or q["form"].get("Body") == body

        self.twilio.wait_for(to_customer, after=after, timeout=30)
        return [m.get("Body", "") for m in self.twilio.sent(self.conversation, after=after)]


@pytest.mark.parametrize("channel", [WhatsAppCloud, Twilio], ids=["cloud-api", "twilio"])
def test_an_agent_takes_a_whatsapp_conversation_and_gives_it_back(
    channel_stack, fakes, customer_number, agents, channel
):
    s = channel_stack
    customer = channel(s, fakes, customer_number)
    customer.say("Хочу оставить жалобу на магазин", "full_name")
    customer.say("Мамедова Лейла Рашидовна", "phone")

    said = customer.say("позовите оператора")
    assert "сотрудник" in said.lower(), said
    assert rasa_paused(s, customer.conversation)
    handoff = open_handoff(s, agents["alice"], customer.conversation)
    assert handoff["channel"] == channel.channel and handoff["language"] == "ru"
    url = f"{s.backend_url}/api/handoffs/{handoff['id']}"
    assert httpx.post(f"{url}/take", headers=agents["alice"], timeout=10).status_code == 200

    # The customer writes while an agent has the conversation: the bot says nothing.
    mark = customer.mark()
    customer.write_silently("Телевизор не включается, чек есть")
    answer = "Здравствуйте, Лейла! Меня зовут Алиса."
    sent = httpx.post(f"{url}/messages", json={"text": answer}, headers=agents["alice"], timeout=30)
    assert sent.status_code == 201, sent.text
    customer.wait_sent(mark, body=answer)
    events = lambda: s.tracker(customer.conversation)["events"]  # noqa: E731
    wait_for(
        lambda: any(e.get("text") == "Телевизор не включается, чек есть" for e in events()),
        timeout=30,
        what="the customer's message in the conversation",
    )
    assert customer.wait_sent(mark) == [answer], "only the agent's message reaches the customer"
    assert rasa_paused(s, customer.conversation), "an agent's message must not wake the bot"

    # Given back: the bot says so and asks for the phone again, the name kept.
    mark = customer.mark()
    back = httpx.post(f"{url}/return", headers=agents["alice"], timeout=30)
    assert back.status_code == 200 and back.json()["status"] == "closed"
    customer.wait_sent(mark)
    assert not rasa_paused(s, customer.conversation)
    assert slot(s, customer.conversation, "full_name") == "Мамедова Лейла Рашидовна"
    assert slot(s, customer.conversation, "requested_slot") == "phone"
    said = customer.say("050 111 22 33", "staff_member")
    assert slot(s, customer.conversation, "phone") == "+994501112233", said
