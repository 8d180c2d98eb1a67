"""Handoff: when the bot gives up, and what the action tells the backend and the customer."""

import pytest
import pytest_asyncio
from aiohttp import web
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import parsing
from actions.handoff import ActionHandoff, consecutive_fallbacks
from bot.backend import BackendClient
from tests.support.net import serving


def user(intent):
    return {"event": "user", "text": "x", "parse_data": {"intent": {"name": intent}}}


def tracker(events, slots=None, active_loop=None):
    return Tracker(
        "c1",
        slots or {},
        {"text": "x", "intent": {"name": "nlu_fallback"}},
        events,
        False,
        None,
        active_loop or {},
        "action_listen",
    )


def test_two_fallbacks_in_a_row_count_but_an_understood_answer_resets():
    assert consecutive_fallbacks(tracker([user("greet"), user("nlu_fallback")])) == 1
    assert consecutive_fallbacks(tracker([user("nlu_fallback"), {"event": "bot"}, user("nlu_fallback")])) == 2
    filled = [
        user("nlu_fallback"),
        {"event": "slot", "name": "full_name", "value": "Öztürk Hakan"},
        user("nlu_fallback"),
    ]
    assert consecutive_fallbacks(tracker(filled)) == 1
    assert consecutive_fallbacks(tracker([user("nlu_fallback"), user("nlu_fallback")]), understood_now=True) == 0


@pytest.mark.parametrize(
    "text",
    ["вы мошенники", "ВЫ ВООБЩЕ РАБОТАЕТЕ ИЛИ НЕТ!!!", "siz dələduzsunuz", "sunteți niște escroci", "bu ne rezalet"],
)
def test_angry(text):
    assert parsing.sounds_angry(text)


@pytest.mark.parametrize("text", ["кассир нагрубила мне", "Salam, şikayətim var!", "INVERTOR SUN2000"])
def test_not_angry(text):
    assert not parsing.sounds_angry(text)


@pytest_asyncio.fixture
async def backend():
    received = []

    async def handoffs(request):
        received.append((request.headers.get("Authorization"), await request.json()))
        return web.json_response(
            {
                "id": 1,
                "status": "waiting",
                "expected_reply_by": "2026-11-24T10:15:00+04:00",
                "within_working_hours": False,
                "next_shift_starts": "2026-11-24T09:00:00+04:00",
            },
            status=201,
        )

    app = web.Application()
    app.router.add_post("/api/handoffs", handoffs)
    async with serving(app) as url:
        yield url, received


@pytest.mark.asyncio
async def test_handoff_outside_working_hours_tells_the_next_shift_and_pauses(backend):
    url, received = backend
    action = ActionHandoff(BackendClient(url, "svc", 5))
    dispatcher = CollectingDispatcher()
    slots = {"language": "az", "full_name": "Əliyeva Nərmin", "requested_slot": "phone", "handoff_reason": "angry"}
    events = await action.run(dispatcher, tracker([], slots, {"name": "complaint_form"}), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_later"]
    # The next shift in Azerbaijani: date, weekday, time (CLDR 47 capitalises the weekday).
    assert dispatcher.messages[0]["time"].lower() == "24 noyabr 2026 (çərşənbə axşamı) 09:00"
    assert events[-1]["event"] == "pause"
    auth, body = received[0]
    assert auth == "Bearer svc" and body["reason"] == "angry" and body["slots"]["full_name"] == "Əliyeva Nərmin"
    assert body["slots"]["requested_slot"] == "phone" and body["conversation_id"] == "c1"


@pytest.mark.asyncio
async def test_handoff_without_backend_does_not_pause():
    action = ActionHandoff(BackendClient("http://127.0.0.1:9", "svc", 1))
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker([], {"language": "ru"}), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_unavailable"]
    assert all(e["event"] != "pause" for e in events)


def test_inside_a_form_odd_answers_get_re_prompts_not_a_person():
    mash = [
        {"event": "user", "text": "<script>alert</script>", "parse_data": {"intent": {"name": "cancel"}}},
        {"event": "user", "text": "DROP TABLE qqq", "parse_data": {"intent": {"name": "affirm"}}},
    ]
    assert consecutive_fallbacks(tracker(mash, active_loop={"name": "complaint_form"})) == 0
    assert consecutive_fallbacks(tracker(mash)) == 2


def reprompt(response):
    return {"event": "bot", "metadata": {"utter_action": response}}


def test_inside_a_form_a_specific_re_prompt_means_the_answer_was_read():
    """The classifier giving up on "<script>..." in answer to "your name?" is chance; the form
    read it as a name and asked again, so it does not count towards a person."""
    form = {"name": "complaint_form"}
    read = [user("nlu_fallback"), reprompt("utter_invalid_full_name"), user("nlu_fallback")]
    assert consecutive_fallbacks(tracker(read, active_loop=form)) == 1
    unreadable = [user("nlu_fallback"), reprompt("utter_invalid_message"), user("nlu_fallback")]
    assert consecutive_fallbacks(tracker(unreadable, active_loop=form)) == 2
    # Outside a form there is no question being answered.
    assert consecutive_fallbacks(tracker(read)) == 2


# --- a customer who cannot give a field is told how to get out ---------------------------------


def _stuck_conversation(invalid_answers_before: int, latest: str = "12345"):
    events = [user("complain"), {"event": "bot", "metadata": {"utter_action": "utter_ask_phone"}}]
    for i in range(invalid_answers_before):
        events += [
            {"event": "user", "text": f"{i}", "parse_data": {"intent": {"name": "inform"}}},
            {"event": "bot", "metadata": {"utter_action": "utter_invalid_phone"}},
            {"event": "bot", "metadata": {"utter_action": "utter_ask_phone"}},
        ]
    latest_message = {"text": latest, "intent": {"name": "inform", "confidence": 0.9}, "entities": []}
    events.append({"event": "user", "text": latest, "parse_data": latest_message})
    slots = {"requested_slot": "phone", "full_name": "Popescu Ana Maria", "language": "ro"}
    return Tracker("c1", slots, latest_message, events, False, None, {"name": "complaint_form"}, "action_listen")


def test_same_reprompts_before_counts_the_earlier_messages_that_got_the_same_reprompt_in_a_row():
    from actions.handoff import same_reprompts_before

    for before in range(5):
        assert same_reprompts_before(_stuck_conversation(before), "utter_invalid_phone") == before
    other = _stuck_conversation(2)
    other.events.insert(-1, {"event": "user", "text": "Popescu", "parse_data": {"intent": {"name": "inform"}}})
    assert same_reprompts_before(other, "utter_invalid_phone") == 0  # an answer in between breaks the run
    assert same_reprompts_before(_stuck_conversation(2), "utter_invalid_email") == 0


@pytest.mark.asyncio
@pytest.mark.parametrize(("before", "offered"), [(0, False), (1, False), (2, True), (3, False), (5, True)])
async def test_the_third_invalid_answer_to_one_field_is_told_how_to_get_out(before, offered):
    from actions.slot_mappings import ActionValidateSlotMappings

    dispatcher = CollectingDispatcher()
    await ActionValidateSlotMappings().run(dispatcher, _stuck_conversation(before), {})
    sent = [m.get("response") for m in dispatcher.messages]
    assert "utter_invalid_phone" in sent, sent
    assert ("utter_stuck_on_field" in sent) is offered, sent
    if offered:  # after the re-prompt, before the form asks again
        assert sent.index("utter_stuck_on_field") > sent.index("utter_invalid_phone")


@pytest.mark.parametrize(
    ("language", "human", "cancel"),
    [
        ("ru", "оператора", "отмена"),
        ("az", "operator lazımdır", "ləğv et"),
        ("ro", "vreau un om", "anulează"),
        ("tr", "müşteri temsilcisi", "iptal"),
    ],
)
def test_the_way_out_names_phrases_the_assistant_knows(language, human, cancel):
    """The words the hint suggests are training examples of request_human and cancel, which
    bot/nlu/exact_intent.py maps to their intent whatever the classifier says."""
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))
    (text,) = [
        v["text"]
        for v in domain["responses"]["utter_stuck_on_field"]
        if v.get("condition", [{}])[0].get("value") == language
    ]
    assert human in text and cancel in text
    nlu = yaml.safe_load((root / "data" / "nlu" / f"{language}.yml").read_text(encoding="utf-8"))["nlu"]
    examples = {
        b["intent"]: [line[2:].strip() for line in b["examples"].splitlines() if line.strip()]
        for b in nlu
        if "intent" in b
    }
    assert human in examples["request_human"] and cancel in examples["cancel"]
