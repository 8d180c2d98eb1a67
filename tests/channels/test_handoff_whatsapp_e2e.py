"""An agent takes over a WhatsApp conversation, on the Meta Cloud API and on Twilio: the
customer asks for a person half way through a complaint, the agent's message reaches the
customer's phone through that channel's API (the loopback fakes), the bot stays silent while
the agent has it, and when the agent gives it back the bot asks its question again with the
slots intact."""

from __future__ import annotations

import httpx
import pytest

from tests.channels import test_twilio_e2e as twilio_e2e
from tests.channels import test_whatsapp_e2e as whatsapp_e2e
from tests.handoff.handoff_stack import create_agents, open_handoff, rasa_paused, wait_for  # noqa: E402
from tests.support.conversation import slot


@pytest.fixture(scope="module")
def agents(channel_stack):
    return create_agents(channel_stack, "root", "alice")


class Customer:
    """A customer on one channel: what they say, and what that channel's API fake delivered."""

    channel: str
    conversation: str

    def __init__(self, stack, server) -> None:
        self.stack, self.server = stack, server

    def mark(self) -> int:
        return self.server.mark()

    def text_to_customer(self, request: dict) -> str | None:
        """The text of a message the fake delivered to this customer, None for anything else."""
        raise NotImplementedError

    def wait_sent(self, after: int, body: str | None = None) -> list[str]:
        def wanted(q) -> bool:
            text = self.text_to_customer(q)
            return text is not None and (body is None or text == body)

        self.server.wait_for(wanted, after=after, timeout=30)
        with self.server.lock:
            requests = list(self.server.requests[after:])
        sent = (self.text_to_customer(q) for q in requests)
        return [text for text in sent if text is not None]


class WhatsAppCloud(Customer):
    channel = "whatsapp"

    def __init__(self, stack, fakes, number: str) -> None:
        super().__init__(stack, fakes["graph"])
        self.number, self.conversation = number, f"wa:{number}"

    def say(self, text: str, expect: str | None = None) -> str:
        replies = whatsapp_e2e.say(self.stack, self.server, self.number, whatsapp_e2e.text(text), expect)
        return whatsapp_e2e.body_texts(replies)

    def write_silently(self, text: str) -> None:
        r = whatsapp_e2e.post(self.stack, self.server.webhook(self.number, whatsapp_e2e.text(text)))
        assert r.status_code == 200

    def text_to_customer(self, request: dict) -> str | None:
        if request.get("kind") != "message" or request["json"]["to"] != self.number:
            return None
        return whatsapp_e2e.body_texts([request["json"]])


class Twilio(Customer):
    channel = "twilio"

    def __init__(self, stack, fakes, number: str) -> None:
        super().__init__(stack, fakes["twilio"])
        self.number, self.conversation = "+" + number, f"tw:+{number}"

    def say(self, text: str, expect: str | None = None) -> str:
        return twilio_e2e.bodies(twilio_e2e.say(self.stack, self.server, self.number, text, expect))

    def write_silently(self, text: str) -> None:
        twilio_e2e.post_message(self.stack, self.server, self.number, text)

    def text_to_customer(self, request: dict) -> str | None:
        if request.get("kind") != "message" or request["form"]["To"] != f"whatsapp:{self.number}":
            return None
        return request["form"].get("Body", "")


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
