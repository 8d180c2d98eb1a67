"""Status look-ups, decisions and ratings through a local HTTP server that answers like the
backend: it takes a customer's answer only from the complaint's conversation or with its PIN,
and answers an unknown number, a wrong PIN and a foreign conversation with one 404."""

import pytest
import pytest_asyncio
from aiohttp import web
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.status import ActionLookUpStatus, ActionRecordDecision, ActionStoreRating
from bot.backend import BackendClient

TN, PIN, OWN = "K7QM-4PXR", "123456", "conv-own"
NO_MATCH = {"detail": "unknown tracking number or wrong PIN"}


@pytest_asyncio.fixture
async def backend():
    calls: list[tuple[str, dict]] = []

    def allowed(tn: str, body: dict) -> bool:
        return tn == TN and (body.get("conversation_id") == OWN or body.get("pin") == PIN)

    async def decision(request):
        body = await request.json()
        calls.append(("decision", body))
        if not allowed(request.match_info["tn"], body):
            return web.json_response(NO_MATCH, status=404)
        return web.json_response({"tracking_number": TN, "status": "closed", "rejections": 0, "external_remedies": ""})

    async def rating(request):
        body = await request.json()
        calls.append(("rating", body))
        if not allowed(request.match_info["tn"], body):
            return web.json_response(NO_MATCH, status=404)
        return web.json_response({"tracking_number": TN, "rating": body["rating"]})

    async def lookup(request):
        body = await request.json()
        calls.append(("lookup", body))
        return web.json_response(NO_MATCH, status=404)

    app = web.Application()
    app.router.add_post("/api/complaints/{tn}/customer-decision", decision)
    app.router.add_post("/api/complaints/{tn}/rating", rating)
    app.router.add_post("/api/status-lookup", lookup)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}", calls
    await runner.cleanup()


def tracker(sender: str, **slots) -> Tracker:
    slots = {"language": "ru", "decision_tracking_number": TN, "decision_text": "Возврат денег", **slots}
    return Tracker(sender, slots, {"text": "да", "input_channel": "rest"}, [], False, None, {}, None)


def followups(events) -> list[str]:
    return [e["name"] for e in events if e["event"] == "followup"]


def slot_values(events) -> dict:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


@pytest.mark.asyncio
async def test_the_complaints_own_conversation_answers_without_pin(backend):
    url, calls = backend
    dispatcher = CollectingDispatcher()
    events = await ActionRecordDecision(BackendClient(url, "svc", 5)).run(dispatcher, tracker(OWN), {})
    assert calls == [
        ("decision", {"approved": True, "reason": None, "language": "ru", "conversation_id": OWN}),
    ]
    assert followups(events) == ["rating_form"]
    rated = await ActionStoreRating(BackendClient(url, "svc", 5)).run(dispatcher, tracker(OWN, rating="5"), {})
    assert calls[-1] == ("rating", {"rating": 5, "conversation_id": OWN})
    assert dispatcher.messages[-1]["response"] == "utter_thanks_for_rating"
    assert slot_values(rated)["decision_tracking_number"] is None


@pytest.mark.asyncio
async def test_another_conversation_without_pin_is_told_no_such_complaint(backend):
    url, calls = backend
    dispatcher = CollectingDispatcher()
    events = await ActionRecordDecision(BackendClient(url, "svc", 5)).run(dispatcher, tracker("conv-other"), {})
    assert calls[-1][1]["conversation_id"] == "conv-other" and "pin" not in calls[-1][1]
    [message] = dispatcher.messages
    assert message["response"] == "utter_status_unknown_number" and message["tracking_number"] == TN
    slots = slot_values(events)
    assert slots["awaiting"] is None and slots["decision_tracking_number"] is None and slots["decision_text"] is None


@pytest.mark.asyncio
async def test_another_conversation_with_the_pin_given_there_is_heard(backend):
    url, calls = backend
    dispatcher = CollectingDispatcher()
    events = await ActionRecordDecision(BackendClient(url, "svc", 5)).run(dispatcher, tracker("conv-new", pin=PIN), {})
    assert calls[-1][1]["pin"] == PIN
    assert followups(events) == ["rating_form"]


@pytest.mark.asyncio
async def test_the_lookups_one_refusal_asks_for_the_pin_again(backend):
    url, calls = backend
    dispatcher = CollectingDispatcher()
    events = await ActionLookUpStatus(BackendClient(url, "svc", 5)).run(
        dispatcher, tracker("conv-x", tracking_number="ZZZZ-9999", pin="000000"), {}
    )
    assert calls[-1] == ("lookup", {"tracking_number": "ZZZZ-9999", "pin": "000000", "language": "ru"})
    assert dispatcher.messages[0]["response"] == "utter_status_wrong_pin"
    assert slot_values(events)["pin"] is None
    assert followups(events) == ["status_form"]
