"""One simulated customer talking to the assistant through the REST channel: the opening, then
after each reply the answer to the question the tracker says is open (its `requested_slot`),
the noise before one question, the summary's confirm button; until a tracking number comes,
the conversation is handed to a person, or the customer has sent 30 messages."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import httpx
import yaml

from bench.dialogue.customers import CONFIRMED, Customer
from bench.dialogue.score import Outcome, asked_slots, ideal_turns, score_fields
from contract import tracking
from contract.fields import INTAKE_SLOTS
from contract.policy import load_intake

ROOT = Path(__file__).resolve().parents[2]
MAX_MESSAGES = 30


class Bot(Protocol):
    """What a conversation needs of the running stack (tests.support.stack.Stack has it)."""

    def say(self, sender: str, message: str) -> list[dict]: ...

    def tracker(self, sender: str) -> dict: ...

    def complaint(self, tracking_number: str) -> dict: ...


@lru_cache(maxsize=1)
def _responses() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


@lru_cache(maxsize=1)
def affirm_payload() -> str:
    """The payload of the summary's confirm button (domain.yml, utter_ask_confirmed)."""
    buttons = _responses()["utter_ask_confirmed"][0]["buttons"]
    return next(b["payload"] for b in buttons if b["payload"].startswith("/affirm"))


@dataclass
class Conversation:
    """One customer's conversation as it goes, and what it came to."""

    customer: Customer
    sender: str = field(default="")
    transcript: list[dict[str, Any]] = field(default_factory=list)
    sent: int = 0
    seconds: float = 0.0  # waiting for the assistant's replies, summed
    tracking_number: str | None = None
    why: str = ""
    file_fault: str = ""
    _asked: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.sender = self.sender or f"bench-{self.customer.id}-{uuid.uuid4().hex[:8]}"

    def send(self, bot: Bot, text: str) -> list[dict]:
        self.sent += 1
        self.transcript.append({"customer": text})
        start = time.monotonic()
        replies = bot.say(self.sender, text)
        self.seconds += time.monotonic() - start
        self.transcript += [
            {"bot": r.get("text") or "", "buttons": [b.get("payload") for b in r.get("buttons") or []]} for r in replies
        ]
        return replies

    def answer(self, slot: str, *, name_asked: bool = False) -> str | None:
        """The customer's next answer to `slot`; None when the file has none for a question the
        policy rightly asks (recorded as the file's fault). name_asked: the assistant, knowing
        the role, asked only for the staff member's name: the list's last answer (the name, or
        "don't know") is what a customer gives to that."""
        customer, count = self.customer, self._asked[slot]
        if name_asked and customer.answers_to(slot):
            self._asked[slot] += 1
            return customer.answers_to(slot)[-1]
        self._asked[slot] += 1
        alternative = customer.alternative(slot)
        if customer.refuses(slot) and count >= 1:
            return self.answer(alternative)  # "no phone" said once; now the e-mail
        given = customer.answers_to(slot)
        if given:
            return given[min(count, len(given) - 1)]
        if alternative and customer.answers_to(alternative):
            return self.answer(alternative)  # the e-mail given to "phone or e-mail?"
        item = load_intake(customer.policy).item(slot)
        if slot not in asked_slots(customer) or (item and item.optional):
            return customer.dont_know  # optional, or not this complaint's question at all
        if slot in customer.opening_gives and isinstance(customer.expect.get(slot), str):
            return customer.expect[slot]  # asked again what the opening said: say it again
        self.file_fault = f"no answer to the required {slot!r}"
        return None

    def confirmation(self, replies: list[dict]) -> str:
        """answers.confirmed when written, else the confirm button's payload (pressed)."""
        if self.customer.answers_to(CONFIRMED):
            return self.answer(CONFIRMED) or ""
        affirm = affirm_payload()
        pressed = [b["payload"] for r in replies for b in r.get("buttons") or [] if b.get("payload") == affirm]
        return pressed[0] if pressed else affirm  # the summary came earlier: its button is still there


@lru_cache(maxsize=1)
def _name_prompts() -> tuple[str, ...]:
    """The start of utter_ask_staff_name in each language ("Вы упомянули: «")."""
    return tuple(v["text"].split("{role}")[0] for v in _responses()["utter_ask_staff_name"])


def asks_for_the_name(replies: list[dict]) -> bool:
    return any((r.get("text") or "").startswith(_name_prompts()) for r in replies)


def registered_number(replies: list[dict], slots: dict) -> str | None:
    """The tracking number of a reply, when the conversation's slot holds the same one (a code
    in the summary that merely looks like one does not count)."""
    stored = slots.get("tracking_number")
    for reply in replies:
        if stored and stored in tracking.IN_REPLY.findall(reply.get("text") or ""):
            return stored
    return None


def _next_message(talk: Conversation, asked: str | None, replies: list[dict], told: bool) -> str | None:
    """What the customer sends now; None ends the conversation (talk.why or file_fault says why)."""
    if asked == CONFIRMED:
        return talk.confirmation(replies)
    if asked in INTAKE_SLOTS:
        return talk.answer(asked, name_asked=asked == "staff_member" and asks_for_the_name(replies))
    if asked is None and not told:
        # "Tell me what happened" after a bare greeting: the customer tells the story.
        return talk.answer("complaint_text")
    talk.why = f"the assistant asked {asked!r}" if asked else "the assistant asked nothing more"
    return None


def converse(bot: Bot, customer: Customer, *, max_messages: int = MAX_MESSAGES) -> Conversation:
    talk = Conversation(customer)
    try:
        _talk(bot, talk, max_messages)
    except httpx.HTTPError as error:  # the stack failed this customer: a result, not a crash
        talk.why = f"error: {error!r}"
    return talk


def _talk(bot: Bot, talk: Conversation, max_messages: int) -> None:
    customer = talk.customer
    noise_sent = False
    replies = talk.send(bot, customer.opening)
    while True:
        tracker = bot.tracker(talk.sender)
        slots = tracker.get("slots") or {}
        talk.tracking_number = registered_number(replies, slots)
        if talk.tracking_number:
            break
        if tracker.get("paused"):
            talk.why = "handed to a person"
            break
        if talk.sent >= max_messages:
            talk.why = f"not registered after {max_messages} messages"
            break
        asked = slots.get("requested_slot")
        talk.transcript.append({"asked": asked})
        if asked is not None and asked == customer.noise_before and not noise_sent:
            noise_sent = True
            for message in customer.noise:
                replies = talk.send(bot, message)
            continue
        told = talk._asked["complaint_text"] > 0 or "complaint_text" in customer.opening_gives
        message = _next_message(talk, asked, replies, told)
        if message is None:
            break
        replies = talk.send(bot, message)


def outcome(bot: Bot, talk: Conversation) -> Outcome:
    """The conversation scored: fields from the backend when registered, else from the slots
    (understanding apart from completion)."""
    customer = talk.customer
    if talk.tracking_number:
        stored = bot.complaint(talk.tracking_number)
    else:
        stored = bot.tracker(talk.sender).get("slots") or {}
    stored = {name: stored.get(name) for name in INTAKE_SLOTS}
    return Outcome(
        customer=customer,
        completed=bool(talk.tracking_number),
        turns=talk.sent,
        ideal=ideal_turns(customer),
        fields=score_fields(customer.expect, stored),
        stored=stored,
        why="" if talk.tracking_number else (talk.file_fault and "the customer file's fault") or talk.why,
        file_fault=talk.file_fault,
    )
