"""Registration through a local HTTP server that answers like the backend."""

import pytest
import pytest_asyncio
from aiohttp import web
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.outbox import DELIVERED, PENDING, Entry
from actions.registration import ActionCancelComplaint, ActionSubmitComplaint, format_date
from bot.backend import BackendClient
from tests.support.backend_api import FakeBackend
from tests.support.net import serving


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
    async with serving(app) as url:
        yield url, state


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
    assert body["complaint_category"] == "staff"  # inferred from "кассир": eurolux never asks it
    msg = dispatcher.messages[0]
    assert msg["response"] == "utter_complaint_registered" and msg["pin"] == "123456"
    assert msg["acknowledge_by"] == "26 ноября 2026\u202fг. (четверг)"
    assert msg["resolve_by"] == "3 декабря 2026\u202fг. (четверг)"
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
async def test_backend_down_puts_the_registration_in_the_outbox_and_schedules_no_reminder(outbox_store):
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitComplaint(BackendClient("http://127.0.0.1:9", "svc", 1)).run(
        dispatcher, confirmed_tracker(), {}
    )
    assert [m["response"] for m in dispatcher.messages] == ["utter_registration_retrying"]
    assert events == []  # no reminder, and the slots stay for the customer's own "retry"
    row = outbox_store.get("k1")
    assert row.state == PENDING and row.conversation_id == "conv-1" and row.channel == "rest"
    assert row.language == "ru" and row.payload["phone"] == "+994517772030" and row.created_at > 0
    # "Retry" pressed while the backend is still away: the same row, not a second one.
    await ActionSubmitComplaint(BackendClient("http://127.0.0.1:9", "svc", 1)).run(
        CollectingDispatcher(), confirmed_tracker(), {}
    )
    assert len(outbox_store.claim("w", row.created_at + 1)) == 1


@pytest.fixture
def fake_backend():
    server = FakeBackend().start()
    yield server
    server.stop()


def triggered_tracker(slots: dict | None = None):
    """The tracker as the outbox's EXTERNAL_retry_registration reaches the action."""
    message = {"intent": {"name": "EXTERNAL_retry_registration"}, "input_channel": "collector", "text": None}
    return Tracker("conv-1", {"language": "ru", **(slots or {})}, message, [], False, None, {}, "action_listen")


def delivered(store, key="k1"):
    """A row the delivery loop has posted: what action_submit_complaint finds when triggered."""
    store.put(Entry(key, "conv-1", "rest", "ru", {"phone": "+994517772030", "language": "ru"}, 1.0))
    (claimed,) = store.claim("w", 2.0)
    assert store.mark_delivered(claimed.idempotency_key, "w", 2.0)


@pytest.mark.asyncio
async def test_the_outbox_trigger_tells_the_tracking_number_and_pin_once(fake_backend, outbox_store):
    fake_backend.complaints["k1"] = "K7QM-4PXR"  # registered by the delivery loop
    delivered(outbox_store)
    action = ActionSubmitComplaint(BackendClient(fake_backend.url, "svc", 5))
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, triggered_tracker(confirmed_tracker().slots), {})
    (msg,) = dispatcher.messages
    assert msg["response"] == "utter_complaint_registered"
    assert msg["tracking_number"] == "K7QM-4PXR" and msg["pin"] == "123456"
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["registration_key"] is None and slots["tracking_number"] == "K7QM-4PXR"
    assert [p["key"] for p in fake_backend.posts()] == ["k1"] and len(fake_backend.complaints) == 1
    assert outbox_store.get("k1") is None  # the personal data is gone with the row
    # A second trigger (its answer was lost): nothing registered, nothing said.
    dispatcher = CollectingDispatcher()
    assert await action.run(dispatcher, triggered_tracker(), {}) == []
    assert dispatcher.messages == [] and len(fake_backend.posts()) == 1


@pytest.mark.asyncio
async def test_the_trigger_tells_from_the_row_when_the_slots_hold_another_complaint(fake_backend, outbox_store):
    delivered(outbox_store)
    dispatcher = CollectingDispatcher()
    slots = {"full_name": "Другое Имя", "confirmed": None, "registration_key": None}
    events = await ActionSubmitComplaint(BackendClient(fake_backend.url, "svc", 5)).run(
        dispatcher, triggered_tracker(slots), {}
    )
    assert [m["response"] for m in dispatcher.messages] == ["utter_complaint_registered"]
    assert [e["name"] for e in events] == ["tracking_number"]  # the new complaint's slots stay
    assert fake_backend.posts()[0]["json"]["phone"] == "+994517772030"


@pytest.mark.asyncio
async def test_the_trigger_with_the_backend_away_again_keeps_the_row_and_says_nothing(outbox_store):
    delivered(outbox_store)
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitComplaint(BackendClient("http://127.0.0.1:9", "svc", 1)).run(
        dispatcher, triggered_tracker(), {}
    )
    assert events == [] and dispatcher.messages == []
    assert outbox_store.get("k1").state == DELIVERED


@pytest.mark.asyncio
async def test_the_customers_own_retry_registers_and_empties_the_outbox(fake_backend, outbox_store):
    outbox_store.put(Entry("k1", "conv-1", "rest", "ru", {"phone": "+994517772030"}, 1.0))
    dispatcher = CollectingDispatcher()
    await ActionSubmitComplaint(BackendClient(fake_backend.url, "svc", 5)).run(dispatcher, confirmed_tracker(), {})
    assert dispatcher.messages[0]["response"] == "utter_complaint_registered"
    assert outbox_store.get("k1") is None


@pytest.mark.asyncio
async def test_cancel_after_retrying_takes_the_waiting_registration_out(outbox_store):
    outbox_store.put(Entry("k1", "conv-1", "rest", "ru", {"phone": "+994517772030"}, 1.0))
    dispatcher = CollectingDispatcher()
    await ActionCancelComplaint().run(dispatcher, confirmed_tracker(), {})
    assert dispatcher.messages[0]["response"] == "utter_complaint_cancelled"
    assert outbox_store.get("k1") is None


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "1 апреля 2026\u202fг. (среда)"),
        ("ro", "1 aprilie 2026 (miercuri)"),
        ("tr", "1 Nisan 2026 (Çarşamba)"),
        (None, "1 апреля 2026\u202fг. (среда)"),  # the replies' default text is Russian
    ],
)
def test_dates_are_written_the_customers_way_on_the_policy_day(language, expected):
    # 23:59:59 in Baku is 19:59:59 UTC: the day stays the one the backend wrote.
    assert format_date("2026-04-01T23:59:59+04:00", language) == expected


def test_azerbaijani_dates_and_what_is_not_a_date():
    # CLDR 47 (Babel 2.19) capitalises Azerbaijani weekdays, CLDR 46 (2.18) does not.
    assert format_date("2025-06-23T23:59:59+04:00", "az").lower() == "23 iyun 2025 (bazar ertəsi)"
    assert format_date("2025-06-23T10:00:00+04:00", "ru", weekday=False) == "23 июня 2025\u202fг."
    assert format_date(None, "ru") == "—"
    assert format_date("soon", "ru") == "soon"
