"""Registration through a local HTTP server that answers like the backend."""

import pytest
import pytest_asyncio
from aiohttp import web
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.registration import ActionSubmitComplaint, format_date
from bot.backend import BackendClient


@pytest_asyncio.fixture
async def backend():
    state = {"calls": [], "fail_first": 0, "by_key": {}}

    async def register(request):
        state["calls"].append((request.headers.get("Idempotency-Key"), await request.json()))
        if state["fail_first"] > 0:
            state["fail_first"] -= 1
            return web.json_response({"detail": "down"}, status=503)
        key = request.headers.get("Idempotency-Key")
        tn = state["by_key"].setdefault(key, f"K7QM-{len(state['by_key']) + 2}PXR"[:9])
        return web.json_response(
            {
                "tracking_number": tn,
                "pin": "123456",
                "status": "registered",
                "deadlines": {"acknowledge_by": "2026-11-26T23:59:59+04:00", "resolve_by": "2026-12-03T23:59:59+04:00"},
            },
            status=201,
        )

    app = web.Application()
    app.router.add_post("/api/complaints", register)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}", state
    await runner.cleanup()


def confirmed_tracker(key="k1"):
    slots = {
        "language": "ru",
        "full_name": "Керимов Фарид",
        "phone": "+994517772030",
        "complaint_text": "кассир обсчитала меня",
        "confirmed": "yes",
        "registration_key": key,
    }
    return Tracker("conv-1", slots, {"text": "да", "input_channel": "rest"}, [], False, None, {}, "complaint_form")


@pytest.mark.asyncio
async def test_registered_with_the_confirmation_key_and_dates_in_the_customers_format(backend):
    url, state = backend
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitComplaint(BackendClient(url, "svc", 5)).run(dispatcher, confirmed_tracker(), {})
    key, body = state["calls"][0]
    assert key == "k1" and body["conversation_id"] == "conv-1" and body["channel"] == "rest"
    assert body["policy"] == "eurolux" and body["phone"] == "+994517772030"
    msg = dispatcher.messages[0]
    assert msg["response"] == "utter_complaint_registered" and msg["pin"] == "123456"
    assert msg["acknowledge_by"] == "26.11.2026" and msg["resolve_by"] == "03.12.2026"
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["full_name"] is None and slots["tracking_number"] == msg["tracking_number"]


@pytest.mark.asyncio
async def test_a_retried_call_reuses_the_key_so_one_complaint_is_made(backend):
    url, state = backend
    state["fail_first"] = 2
    dispatcher = CollectingDispatcher()
    await ActionSubmitComplaint(BackendClient(url, "svc", 5)).run(dispatcher, confirmed_tracker("same"), {})
    assert [k for k, _ in state["calls"]] == ["same", "same", "same"]
    assert len(state["by_key"]) == 1


@pytest.mark.asyncio
async def test_backend_down_keeps_the_slots_and_schedules_a_retry():
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitComplaint(BackendClient("http://127.0.0.1:9", "svc", 1)).run(
        dispatcher, confirmed_tracker(), {}
    )
    assert [m["response"] for m in dispatcher.messages] == ["utter_registration_retrying"]
    assert [e["event"] for e in events] == ["reminder"]


def test_dates_keep_the_policy_day():
    assert format_date("2026-04-01T23:59:59+04:00", "az") == "01.04.2026"
    assert format_date(None, "ru") == "—"
