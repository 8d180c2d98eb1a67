"""Handoff: when the bot gives up, and what the action tells the backend and the customer."""

import pytest
import pytest_asyncio
from aiohttp import web
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import parsing
from actions.backend_client import BackendClient
from actions.handoff import ActionHandoff, consecutive_fallbacks


def user(intent):
    return {"event": "user", "text": "x", "parse_data": {"intent": {"name": intent}}}


def tracker(events, slots=None, active_loop=None):
    return Tracker("c1", slots or {}, {"text": "x", "intent": {"name": "nlu_fallback"}}, events, False, None,
                   active_loop or {}, "action_listen")


def test_two_fallbacks_in_a_row_count_but_an_understood_answer_resets():
    assert consecutive_fallbacks(tracker([user("greet"), user("nlu_fallback")])) == 1
    assert consecutive_fallbacks(tracker([user("nlu_fallback"), {"event": "bot"}, user("nlu_fallback")])) == 2
    filled = [user("nlu_fallback"), {"event": "slot", "name": "full_name", "value": "Öztürk Hakan"},
              user("nlu_fallback")]
    assert consecutive_fallbacks(tracker(filled)) == 1
    assert consecutive_fallbacks(tracker([user("nlu_fallback"), user("nlu_fallback")]), understood_now=True) == 0


@pytest.mark.parametrize("text", ["вы мошенники", "ВЫ ВООБЩЕ РАБОТАЕТЕ ИЛИ НЕТ!!!", "siz dələduzsunuz",
                                  "sunteți niște escroci", "bu ne rezalet"])
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
        return web.json_response({"id": 1, "status": "waiting", "expected_reply_by": "2026-11-24T10:15:00+04:00",
                                  "within_working_hours": False, "next_shift_starts": "2026-11-24T09:00:00+04:00"},
                                 status=201)

    app = web.Application()
    app.router.add_post("/api/handoffs", handoffs)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", received
    await runner.cleanup()


@pytest.mark.asyncio
async def test_handoff_outside_working_hours_tells_the_next_shift_and_pauses(backend):
    url, received = backend
    action = ActionHandoff(BackendClient(url, "svc", 5))
    dispatcher = CollectingDispatcher()
    slots = {"language": "az", "full_name": "Əliyeva Nərmin", "requested_slot": "phone", "handoff_reason": "angry"}
    events = await action.run(dispatcher, tracker([], slots, {"name": "complaint_form"}), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_later"]
    assert dispatcher.messages[0]["time"] == "24.11.2026 09:00"
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
    mash = [{"event": "user", "text": "<script>alert</script>", "parse_data": {"intent": {"name": "cancel"}}},
            {"event": "user", "text": "DROP TABLE qqq", "parse_data": {"intent": {"name": "affirm"}}}]
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
