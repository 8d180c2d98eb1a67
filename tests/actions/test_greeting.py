"""The web chat's first message (action_greet_chat): in the page's language, with the three
buttons, the policy's promise as dates and, outside working hours, the agents' hours."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_asyncio
import yaml
from aiohttp import web
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.greeting import ActionGreetChat
from bot.backend import BackendClient
from tests.support.net import serving

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
PAYLOADS = ["/complain", "/check_status", "/request_human"]

AFTER_HOURS = {
    "policy": "poliser",
    "languages": ["tr", "ru"],
    "acknowledge_by": "2026-11-02T23:59:59+03:00",
    "resolve_by": "2026-11-09T23:59:59+03:00",
    "within_working_hours": False,
    "next_shift_starts": "2026-10-30T08:30:00+03:00",
    "shifts": {day: "08:30-17:30" for day in ("mon", "tue", "wed", "thu", "fri")},
    "closed_on_public_holidays": True,
}


def start_chat(metadata=None, slots=None):
    return Tracker(
        "wc:" + "0" * 32,
        {"policy": "poliser", **(slots or {})},
        {"text": "/start_chat", "intent": {"name": "start_chat"}, "metadata": metadata or {}},
        [],
        False,
        None,
        {},
        "action_listen",
    )


@pytest_asyncio.fixture
async def backend():
    state = {"answer": AFTER_HOURS, "asked": []}

    async def welcome(request):
        state["asked"].append((request.headers.get("Authorization"), dict(request.query)))
        return web.json_response(state["answer"])

    app = web.Application()
    app.router.add_get("/api/chat/welcome", welcome)
    async with serving(app) as url:
        yield url, state


def titles(language: str, response: str = "utter_chat_welcome") -> list[str]:
    for variation in DOMAIN["responses"][response]:
        if {"name": "language", "type": "slot", "value": language} in (variation.get("condition") or []):
            return [b["title"] for b in variation["buttons"]]
    raise AssertionError(language)


@pytest.mark.asyncio
async def test_after_hours_in_the_pages_language_with_the_hours_and_the_promise(backend):
    url, state = backend
    dispatcher = CollectingDispatcher()
    # The conversation said Russian before; the page now says Azerbaijani: the page wins.
    tracker = start_chat({"customData": {"language": "az"}}, {"language": "ru"})
    events = await ActionGreetChat(BackendClient(url, "svc", 5)).run(dispatcher, tracker, DOMAIN)
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "az"}]
    assert state["asked"] == [("Bearer svc", {"policy": "poliser"})]
    [message] = dispatcher.messages
    text = message["text"]
    assert text.startswith("Salam!") and "{" not in text
    assert "2 noyabr 2026" in text and "9 noyabr 2026" in text  # the dates, the Azerbaijani way
    assert "08:30–17:30" in text and "30 oktyabr 2026" in text and "08:30" in text
    assert [b["payload"] for b in message["buttons"]] == PAYLOADS
    assert [b["title"] for b in message["buttons"]] == titles("az")
    assert message["utter_action"] == "utter_chat_welcome_after_hours"


@pytest.mark.asyncio
async def test_inside_hours_no_hours_are_told(backend):
    url, state = backend
    state["answer"] = {**AFTER_HOURS, "within_working_hours": True, "next_shift_starts": None}
    dispatcher = CollectingDispatcher()
    events = await ActionGreetChat(BackendClient(url, "svc", 5)).run(
        dispatcher, start_chat({"customData": {"language": "ro"}}), DOMAIN
    )
    [message] = dispatcher.messages
    assert message["utter_action"] == "utter_chat_welcome"
    assert "2 noiembrie 2026" in message["text"] and "08:30" not in message["text"]
    assert [b["title"] for b in message["buttons"]] == titles("ro")
    assert events[0]["value"] == "ro"


@pytest.mark.asyncio
async def test_without_the_page_language_the_policys_default():
    # No backend: what can be done here, with the buttons, and no dates.
    dispatcher = CollectingDispatcher()
    events = await ActionGreetChat(BackendClient("http://127.0.0.1:9", "svc", 1)).run(
        dispatcher, start_chat({"customData": {"language": "en"}}), DOMAIN
    )
    [message] = dispatcher.messages
    assert message["utter_action"] == "utter_chat_welcome_brief"
    assert message["text"].startswith("Merhaba!")  # poliser speaks Turkish first
    assert [b["payload"] for b in message["buttons"]] == PAYLOADS
    assert events[0]["value"] == "tr"


@pytest.mark.parametrize(
    ("payload", "wants_person"),
    [("/complain", False), ("/check_status", False), ("/request_human", True)],
)
def test_the_buttons_take_the_existing_routes(payload, wants_person):
    """ "Talk to a person" is the handoff route (slot `route`); the other two are their intents'
    own rules (complaint_form, status_form), untouched by the message's reading."""
    from actions.interpret import Turn, interpret
    from actions.policy import load_policy

    outcome = interpret(
        Turn(text=payload, intent=payload[1:], confidence=1.0, slots={"language": "az"}), load_policy("eurolux")
    )
    assert outcome.wants_person is wants_person
    assert not outcome.status_check and not outcome.start_complaint and outcome.slots == {}
