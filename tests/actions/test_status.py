"""Status look-ups, decisions and ratings through a local HTTP server that answers like the
backend: it takes a customer's answer only from the complaint's conversation or with its PIN,
and answers an unknown number, a wrong PIN and a foreign conversation with one 404."""

from pathlib import Path

import pytest
import pytest_asyncio
import yaml
from aiohttp import web
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.status import ActionLookUpStatus, ActionRecordDecision, ActionStoreRating
from bot.backend import BackendClient
from tests.support.net import serving

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"
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
        if body.get("tracking_number") != TN or body.get("pin") != PIN:
            return web.json_response(NO_MATCH, status=404)
        # The backend writes every moment in the policy's time zone (Baku here).
        return web.json_response(
            {
                "tracking_number": TN,
                "status": "in_progress",
                "status_label": "На рассмотрении",
                "deadlines": {"acknowledge_by": "2025-06-23T23:59:59+04:00", "resolve_by": "2025-07-03T23:59:59+04:00"},
                "last_note": {"at": "2025-06-20T01:30:00+04:00", "text": "Проверяем чек."},
            }
        )

    app = web.Application()
    app.router.add_post("/api/complaints/{tn}/customer-decision", decision)
    app.router.add_post("/api/complaints/{tn}/rating", rating)
    app.router.add_post("/api/status-lookup", lookup)
    async with serving(app) as url:
        yield url, calls


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


@pytest.mark.asyncio
async def test_a_status_report_writes_its_dates_the_customers_way(backend):
    url, _ = backend
    domain = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))
    dispatcher = CollectingDispatcher()
    await ActionLookUpStatus(BackendClient(url, "svc", 5)).run(
        dispatcher, tracker("conv-x", tracking_number=TN, pin=PIN), domain
    )
    report = dispatcher.messages[0]
    assert report["response"] == "utter_status_report" and report["status"] == "На рассмотрении"
    assert report["acknowledge_by"] == "23 июня 2025\u202fг. (понедельник)"
    assert report["resolve_by"] == "3 июля 2025\u202fг. (четверг)"
    # The note's moment is already Friday in Baku (21:30 UTC on Thursday); no weekday inside
    # the note's own parentheses.
    assert report["note"] == "\nПоследнее сообщение (20 июня 2025\u202fг.): Проверяем чек."
