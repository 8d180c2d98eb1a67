"""The outbox of registrations waiting for the backend: the table's lease and the delivery
loop, against loopback fakes of the backend and of Rasa's HTTP API."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import time

import pytest
from sqlalchemy.engine import make_url

from actions.outbox import DELIVERED, PENDING, Entry, OutboxStore
from actions.outbox.conversation import RETRY_INTENT, ConversationNotifier
from actions.outbox.worker import OutboxWorker
from bot.backend import BackendClient
from tests.support.backend_api import FakeBackend
from tests.support.rasa_api import FakeRasa

NOW = 1_800_000_000.0
PHONE = "+994517772030"


class TellingRasa(FakeRasa):
    """Rasa whose triggered action tells the customer and removes the row, as
    action_submit_complaint does; records the Authorization header of each call."""

    def __init__(self, store: OutboxStore | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.headers: list[str | None] = []

    def route(self, method, path, headers, body):
        self.headers.append(headers.get("Authorization"))
        status, extra, payload = super().route(method, path, headers, body)
        if status == 200 and path.split("?")[0].endswith("/trigger_intent") and self.store is not None:
            for entry in self.store.delivered_for(path.split("/")[2]):
                self.store.remove(entry.idempotency_key)
        return status, extra, payload


def entry(key: str, conversation: str = "conv-1", created_at: float = NOW) -> Entry:
    payload = {"full_name": "Керимов Фарид", "phone": PHONE, "language": "ru", "channel": "rest"}
    return Entry(key, conversation, "rest", "ru", payload, created_at)


# The scale-out profile's action servers share PostgreSQL (through psycopg2, Rasa's driver).
DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_POSTGRES_URL") else [])


@pytest.fixture(params=DATABASES)
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'outbox.db'}"
    return str(make_url(os.environ["TEST_POSTGRES_URL"]).set(drivername="postgresql+psycopg2"))


@pytest.fixture
def store(store_url):
    s = OutboxStore(store_url, lease_seconds=30)
    s._ready()
    with s.engine.begin() as conn:
        conn.exec_driver_sql("delete from actions_outbox")
    yield s
    with s.engine.begin() as conn:
        conn.exec_driver_sql("delete from actions_outbox")
    s.dispose()


@pytest.fixture
def backend():
    server = FakeBackend().start()
    yield server
    server.stop()


@pytest.fixture
def rasa(store):
    server = TellingRasa(store).start()
    yield server
    server.stop()


def worker(store, backend_url, rasa_url, clock=lambda: NOW, **kwargs) -> OutboxWorker:
    return OutboxWorker(
        store,
        BackendClient(backend_url, "svc", 2),
        ConversationNotifier(rasa_url, "rasa-secret-0123456789"),
        retry_seconds=10,
        retry_max_seconds=100,
        poll_seconds=0.05,
        clock=clock,
        **kwargs,
    )


def test_a_claimed_row_is_nobody_elses_until_its_lease_runs_out(store):
    store.put(entry("k1"))
    assert [e.idempotency_key for e in store.claim("a", NOW)] == ["k1"]
    assert store.claim("b", NOW + 29) == []
    assert [e.idempotency_key for e in store.claim("b", NOW + 31)] == ["k1"]  # server a died mid-way
    assert not store.retry_later("k1", "a", NOW + 100)  # a's lease is gone: it changes nothing


def test_a_key_waits_once_and_a_future_row_is_not_due(store):
    assert store.put(entry("k1"))
    assert not store.put(entry("k1"))  # the customer pressed "retry" while the backend was away
    assert store.claim("a", NOW - 1) == []


def test_a_cancel_discards_a_waiting_row_but_not_one_being_sent(store):
    store.put(entry("k1"))
    store.put(entry("k2"))
    store.claim("a", NOW, limit=1)  # k1 (oldest first) is being sent
    assert not store.discard_pending("k1", now=NOW)
    assert store.discard_pending("k2", now=NOW)
    assert store.get("k2") is None and store.get("k1") is not None


@pytest.mark.asyncio
async def test_backend_down_backs_off_doubling_up_to_the_cap(store, rasa):
    store.put(entry("k1"))
    clock = [NOW]
    w = worker(store, "http://127.0.0.1:9", rasa.url, clock=lambda: clock[0])
    delays = []
    for _ in range(5):
        assert await w.run_once() == 1
        row = store.get("k1")
        assert row.state == PENDING
        with store.engine.connect() as conn:
            due = conn.exec_driver_sql("select next_attempt_at from actions_outbox").scalar()
        delays.append(due - clock[0])
        assert await w.run_once() == 0  # not due before its time
        clock[0] = due
    assert delays == [10, 20, 40, 80, 100]
    assert rasa.calls() == []


@pytest.mark.asyncio
async def test_delivered_once_then_told_then_the_row_and_its_data_are_gone(store, backend, rasa, caplog):
    caplog.set_level(logging.DEBUG)
    store.put(entry("k1", conversation="wa:994501112233"))
    w = worker(store, backend.url, rasa.url)
    assert await w.run_once() == 1
    assert [p["key"] for p in backend.posts()] == ["k1"]
    assert backend.posts()[0]["json"]["phone"] == PHONE
    (call,) = rasa.calls("trigger_intent")
    assert call["conversation_id"] == "wa:994501112233" and call["json"] == {"name": RETRY_INTENT}
    assert call["query"] == {"output_channel": "whatsapp", "include_events": "NONE"}  # no token in the URL
    claims = json.loads(base64.urlsafe_b64decode(rasa.headers[-1].split(".")[1] + "=="))
    assert claims["user"] == {"username": "actions", "role": "admin"}
    assert store.get("k1") is None
    assert PHONE not in caplog.text and "Керимов" not in caplog.text and "994501112233" not in caplog.text


@pytest.mark.asyncio
async def test_rasa_down_keeps_the_row_registered_and_tells_later_without_posting_again(store, backend):
    store.put(entry("k1"))
    clock = [NOW]
    w = worker(store, backend.url, "http://127.0.0.1:9", clock=lambda: clock[0])
    await w.run_once()
    assert store.get("k1").state == DELIVERED and len(backend.posts()) == 1
    rasa = TellingRasa(store).start()
    try:
        w.notifier = ConversationNotifier(rasa.url, None)
        clock[0] += 10
        await w.run_once()
        assert len(rasa.calls("trigger_intent")) == 1 and rasa.headers == [None]
    finally:
        rasa.stop()
    assert store.get("k1") is None
    assert len(backend.posts()) == 1  # the worker never posts a delivered row again


@pytest.mark.asyncio
async def test_a_row_the_action_could_not_tell_is_triggered_again_later(store, backend):
    rasa = TellingRasa(store=None).start()  # the action met the backend away again: row stays
    try:
        store.put(entry("k1"))
        clock = [NOW]
        w = worker(store, backend.url, rasa.url, clock=lambda: clock[0])
        await w.run_once()
        assert store.get("k1").state == DELIVERED
        assert await w.run_once() == 0
        clock[0] += 10
        assert await w.run_once() == 1
        assert len(rasa.calls("trigger_intent")) == 2 and len(backend.posts()) == 1
    finally:
        rasa.stop()


@pytest.mark.asyncio
async def test_a_refused_registration_is_told_too_and_a_rate_limit_is_retried(store, backend, rasa):
    store.put(entry("k1"))
    w = worker(store, backend.url, rasa.url)
    backend.refuse_with = (429, {"detail": "slow down"})
    await w.run_once()
    assert store.get("k1").state == PENDING and rasa.calls() == []
    backend.refuse_with = (422, {"detail": [{"loc": ["body", "phone"], "msg": "bad"}]})
    w.clock = lambda: NOW + 10
    await w.run_once()
    assert len(rasa.calls("trigger_intent")) == 1 and store.get("k1") is None


@pytest.mark.asyncio
async def test_a_customer_not_reached_for_a_week_after_registration_is_given_up(store, backend, rasa):
    week = 7 * 24 * 3600
    store.put(entry("k1", created_at=NOW - 2 * week))  # the backend was away for two weeks
    clock = [NOW]
    rasa.store = None  # the conversation cannot be told
    w = worker(store, backend.url, rasa.url, clock=lambda: clock[0])
    await w.run_once()
    assert len(backend.posts()) == 1 and len(rasa.calls("trigger_intent")) == 1  # still told
    clock[0] = NOW + week + 1
    await w.run_once()
    assert store.get("k1") is None and len(rasa.calls("trigger_intent")) == 1  # dropped with its data


@pytest.mark.asyncio
async def test_two_servers_on_one_table_deliver_each_registration_once(store, backend, store_url):
    keys = [f"key-{i:02d}" for i in range(30)]
    for i, key in enumerate(keys):
        store.put(entry(key, conversation=f"conv-{i}"))
    other = OutboxStore(store_url, lease_seconds=30)
    rasa = TellingRasa(store).start()
    try:
        workers = [worker(s, backend.url, rasa.url, clock=lambda: NOW) for s in (store, other)]
        for w in workers:
            w.poll_seconds = 0.01
        tasks = [asyncio.create_task(w.run()) for w in workers]
        for _ in range(500):
            if all(store.get(k) is None for k in keys):
                break
            await asyncio.sleep(0.02)
        for w in workers:
            w.stop()
        await asyncio.gather(*tasks)
    finally:
        rasa.stop()
        other.dispose()
    assert all(store.get(k) is None for k in keys)
    assert sorted(p["key"] for p in backend.posts()) == keys  # each posted exactly once
    assert len(rasa.calls("trigger_intent")) == len(keys)


@pytest.mark.asyncio
async def test_the_action_servers_listeners_run_the_loop_and_stop_it(backend, tmp_path, monkeypatch):
    import dataclasses
    import uuid

    from sanic import Sanic

    import actions.outbox
    import bot.backend

    own = OutboxStore(f"sqlite:///{tmp_path / 'server.db'}")
    monkeypatch.setattr(actions.outbox, "_store", own)
    monkeypatch.setattr(
        bot.backend, "settings", dataclasses.replace(bot.backend.settings, backend_url=backend.url, service_token="svc")
    )
    rasa = TellingRasa(own).start()
    monkeypatch.setenv("RASA_URL", rasa.url)
    app = Sanic(f"outbox-{uuid.uuid4().hex[:8]}")
    actions.outbox.install(app)
    actions.outbox.install(app)  # H3's entry point and the package's own hook may both call it
    listeners = [route.handler.keywords["listener"] for route in app.signal_router.routes]
    assert listeners == [actions.outbox.start_outbox, actions.outbox.stop_outbox]
    own.put(entry("k1", created_at=time.time()))
    try:
        await actions.outbox.start_outbox(app)
        for _ in range(100):
            if own.get("k1") is None:
                break
            await asyncio.sleep(0.05)
        task = app.ctx.outbox_task
        await actions.outbox.stop_outbox(app)
    finally:
        rasa.stop()
        own.dispose()
    assert task.done() and [p["key"] for p in backend.posts()] == ["k1"] and len(rasa.calls("trigger_intent")) == 1
