"""The RabbitMQ consumer of Rasa's events against a real RabbitMQ (tests/support/rabbitmq.py)
and the suite's database: events published as Rasa publishes them end up in the transcript
once, whichever replica takes them, whatever fails in between."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlmodel import Session, col, select

from backend.app.conversations import consumer as event_consumer
from backend.app.conversations import service
from backend.app.conversations.consumer import EventConsumer, InvalidEvent, parse_event
from backend.app.conversations.models import ConversationMessage
from backend.app.core.settings import Settings
from backend.app.main import create_app
from tests.support.rabbitmq import CuttableProxy, Topology, reachable, wait_for

# RabbitMQ: not in make test-unit.
pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _rabbitmq_runs() -> None:
    # RabbitMQ runs on this machine and in CI: a missing broker is a failure, never a skip.
    if not reachable():
        pytest.fail("RabbitMQ is not reachable at TEST_RABBITMQ_URL (default amqp://guest:guest@127.0.0.1:5672/)")


AppFactory = Callable[..., tuple[FastAPI, TestClient]]


@pytest.fixture
def topology() -> Iterator[Topology]:
    names = Topology.unique()
    yield names
    names.delete()


@pytest.fixture
def consumer_app(client: TestClient, settings: Settings, topology: Topology) -> Iterator[AppFactory]:
    """consumer_app(): a started backend replica consuming the test's queue (on the suite's
    database, emptied by `client`); `stop` ends it before the test does."""
    with ExitStack() as stack:

        def _start(wait_connected: bool = True, url: str | None = None) -> tuple[FastAPI, TestClient]:
            app = create_app(
                settings.model_copy(
                    update={
                        "rabbitmq_url": SecretStr(url or topology.url),
                        "rasa_events_queue": topology.queue,
                        "rasa_events_exchange": topology.exchange,
                    }
                )
            )
            replica = stack.enter_context(TestClient(app))
            if wait_connected:
                wait_for(lambda: consumer_of(app).connected, 15, "the consumer connected")
            return app, replica

        yield _start


def stop(replica: TestClient) -> None:
    """Ends the replica's lifespan now (the fixture's exit is then a no-op)."""
    replica.__exit__(None, None, None)


def consumer_of(app: FastAPI) -> EventConsumer:
    consumer: EventConsumer = app.state.event_consumer
    return consumer


def conversation(cid: str, turns: int, start: float = 1_700_000_000.0) -> list[dict[str, Any]]:
    """Slimmed events of a conversation (bot.event_relay.slim's shape): user, bot, user, ..."""
    events: list[dict[str, Any]] = []
    for turn in range(turns):
        at = start + turn * 10
        events.append(
            {
                "sender_id": cid,
                "event": "user",
                "timestamp": at,
                "text": f"{cid} question {turn}",
                "input_channel": "telegram",
                "message_id": f"{cid}-{turn}",
                "intent": "complain",
            }
        )
        events.append({"sender_id": cid, "event": "bot", "timestamp": at + 1, "text": f"{cid} answer {turn}"})
    return events


def stored_texts(engine: sa.Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(ConversationMessage.text).order_by(col(ConversationMessage.id))).all())


def message_count(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(ConversationMessage)).scalar_one())


def counter(replica: TestClient, name: str, **labels: str) -> float:
    """A counter's value on /metrics (0 when the series does not exist yet)."""
    for family in text_string_to_metric_families(replica.get("/metrics").text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


# --- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe{}", "invalid_json"),
        (b'{"sender_id": "x", "event": "user", "text": "Ivanov', "invalid_json"),
        (b"[" * 100_000, "invalid_json"),
        (b'["user"]', "invalid_event"),
        (b'{"event": "user", "text": "no sender"}', "invalid_event"),
        (json.dumps({"sender_id": "x" * 201, "event": "user"}).encode(), "invalid_event"),
    ],
)
def test_a_body_that_is_not_one_event_is_refused_without_quoting_it(body: bytes, reason: str) -> None:
    with pytest.raises(InvalidEvent) as refused:
        parse_event(body)
    assert refused.value.reason == reason
    assert str(refused.value) == reason and refused.value.__cause__ is None


def test_the_slimmed_event_shape_is_parsed() -> None:
    event = parse_event(json.dumps(conversation("c", 1)[0]).encode())
    assert (event.sender_id, event.event, event.text, event.input_channel) == ("c", "user", "c question 0", "telegram")


# --- with RabbitMQ -------------------------------------------------------------------------------


def test_two_replicas_store_every_event_once(consumer_app: AppFactory, topology: Topology, engine: sa.Engine) -> None:
    """Competing consumers: each event is taken by one replica; both get a share."""
    first_app, first = consumer_app()
    second_app, second = consumer_app()
    events = [event for n in range(40) for event in conversation(f"tg-{n}", 5)]
    topology.publish(events)  # declares exchange and queue as Rasa does: they must agree with ours

    wait_for(lambda: message_count(engine) == len(events), 30, "every event stored")
    by_first = counter(first, "rasa_events_stored_total", source="rabbitmq")
    by_second = counter(second, "rasa_events_stored_total", source="rabbitmq")
    assert by_first + by_second == len(events)  # no event stored by both
    assert by_first > 0 and by_second > 0
    assert sorted(stored_texts(engine)) == sorted(event["text"] for event in events)
    transcript = first.get("/api/conversations/tg-7/messages", headers={"Authorization": "Bearer test-agent-token"})
    assert [m["text"] for m in transcript.json()] == [e["text"] for e in conversation("tg-7", 5)]
    assert {m["channel"] for m in transcript.json() if m["role"] == "user"} == {"telegram"}
    assert topology.ready_messages() == 0
    for replica in (first, second):
        stop(replica)
    assert topology.ready_messages() == 0  # nothing was left unacknowledged
    assert message_count(engine) == len(events)
    assert consumer_of(first_app)._connection is None and consumer_of(second_app)._connection is None


def test_invalid_messages_are_dropped_and_do_not_hold_up_the_next(
    consumer_app: AppFactory, topology: Topology, engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Published while no backend runs (the queue keeps them); the secret text never reaches a log."""
    caplog.set_level(logging.DEBUG, logger="backend")
    secret = "Məmmədov Əli 050 123 45 67"
    topology.publish(
        [
            f"{{not json {secret}".encode(),
            secret.encode("utf-16"),
            json.dumps([{"sender_id": "c", "event": "user", "text": secret}]).encode(),
            json.dumps({"event": "user", "text": secret}).encode(),
            json.dumps({"sender_id": "c" * 300, "event": "user", "text": secret}).encode(),
            *[json.dumps(e).encode() for e in conversation("web-1", 2)],
        ]
    )
    _app, replica = consumer_app()
    wait_for(lambda: message_count(engine) == 4, 15, "the valid events stored")
    assert stored_texts(engine) == [e["text"] for e in conversation("web-1", 2)]
    assert counter(replica, "rasa_events_rejected_total", reason="invalid_json") == 2
    assert counter(replica, "rasa_events_rejected_total", reason="invalid_event") == 3
    stop(replica)
    assert topology.ready_messages() == 0  # dropped, not requeued
    dropped = [r for r in caplog.records if "message dropped" in r.getMessage()]
    assert len(dropped) == 5 and all(r.levelno == logging.WARNING for r in dropped)
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        assert "Məmmədov" not in text and "123 45 67" not in text and "question" not in text


def _fail_once(engine: sa.Engine, error: str, when: Callable[[str, Any], bool]) -> list[str]:
    """The database refuses (with the driver's own `error` class) the first statement `when`
    selects; returns the list the refusals are noted in."""
    refused: list[str] = []

    def refuse(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if not refused and when(statement, parameters):
            refused.append(statement)
            raise getattr(engine.dialect.loaded_dbapi, error)("refused by the test")

    sa.event.listen(engine, "before_cursor_execute", refuse)
    return refused


def test_a_batch_the_database_refuses_comes_back_and_is_stored_once(
    consumer_app: AppFactory, topology: Topology, engine: sa.Engine
) -> None:
    app, replica = consumer_app()
    refused = _fail_once(
        app.state.engine, "OperationalError", lambda sql, _p: "INSERT INTO conversation_message" in sql
    )
    consumer = consumer_of(app)
    seen: list[tuple[int, bool]] = []
    handle = consumer._handle

    async def spy(batch: Any) -> None:
        seen.extend((len(m.body), m.redelivered) for m in batch)
        await handle(batch)

    consumer._handle = spy  # type: ignore[method-assign]
    events = conversation("wa-1", 3)
    topology.publish(events)
    wait_for(lambda: message_count(engine) == len(events), 15, "the events stored after the retry")
    assert refused  # the first attempt did fail
    assert any(redelivered for _size, redelivered in seen)  # RabbitMQ handed them out again
    assert stored_texts(engine) == [e["text"] for e in events]
    assert counter(replica, "rasa_events_stored_total", source="rabbitmq") == len(events)
    assert consumer.connected
    stop(replica)
    assert topology.ready_messages() == 0


def test_a_message_the_database_cannot_store_is_dropped_alone(
    consumer_app: AppFactory, topology: Topology, engine: sa.Engine
) -> None:
    """A value the database rejects (DataError): the batch is stored one by one, the others stay."""
    app, replica = consumer_app()

    def poison(_conn: Any, _cursor: Any, _sql: str, params: Any, _context: Any, _many: bool) -> None:
        if "POISON" in repr(params):
            raise app.state.engine.dialect.loaded_dbapi.DataError("refused by the test")

    sa.event.listen(app.state.engine, "before_cursor_execute", poison)
    events = conversation("web-2", 3)
    events.insert(3, {"sender_id": "web-2", "event": "user", "timestamp": 1_700_000_015.0, "text": "POISON"})
    topology.publish(events)
    wait_for(lambda: message_count(engine) == len(events) - 1, 15, "the other events stored")
    wait_for(lambda: counter(replica, "rasa_events_rejected_total", reason="unstorable") == 1, 5, "the drop counted")
    assert "POISON" not in stored_texts(engine) and len(stored_texts(engine)) == 6
    stop(replica)
    assert topology.ready_messages() == 0


def test_a_nul_in_a_text_does_not_cost_the_message(
    consumer_app: AppFactory, topology: Topology, engine: sa.Engine
) -> None:
    """PostgreSQL refuses NUL characters in text: they are left out, the message is kept."""
    _app, replica = consumer_app()
    events = conversation("web-3", 2)
    events[1]["text"] = "answer\x00 with a NUL"
    topology.publish(events)
    wait_for(lambda: message_count(engine) == len(events), 15, "every event stored")
    assert stored_texts(engine)[1] == "answer with a NUL"
    assert counter(replica, "rasa_events_rejected_total", reason="unstorable") == 0


def test_stopping_returns_unacknowledged_messages_to_the_queue(
    consumer_app: AppFactory, topology: Topology, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replica stopping while a batch is being stored finishes that batch; the messages it
    held and had not stored go back to RabbitMQ, and the next replica stores them."""
    entered, release = threading.Event(), threading.Event()
    original = service.store_rasa_events
    calls = 0

    def slow_first(**kwargs: Any) -> service.StoredEvents:
        nonlocal calls
        calls += 1
        if calls == 1:
            entered.set()
            assert release.wait(10)
        return original(**kwargs)

    monkeypatch.setattr(service, "store_rasa_events", slow_first)
    _app, first = consumer_app()
    events = conversation("tg-9", 20)
    topology.publish(events[:1])
    assert entered.wait(10)
    topology.publish(events[1:])  # delivered to the busy replica, held unacknowledged
    wait_for(lambda: topology.ready_messages() == 0, 10, "the rest delivered to the busy replica")
    threading.Timer(0.5, release.set).start()
    stop(first)  # stops while the first batch is being stored
    assert stored_texts(engine) == [events[0]["text"]]  # that batch finished and was acknowledged
    assert topology.ready_messages() == len(events) - 1  # the others are back in the queue
    _app, second = consumer_app()
    wait_for(lambda: message_count(engine) == len(events), 15, "the rest stored by the next replica")
    assert stored_texts(engine) == [e["text"] for e in events]


def test_the_consumer_comes_back_after_losing_rabbitmq(
    consumer_app: AppFactory, topology: Topology, engine: sa.Engine
) -> None:
    """The connection cut (a broker restart, the network): not ready meanwhile, events wait in
    the queue, and the robust connection restores the consumer by itself."""
    events = conversation("tg-5", 4)
    with CuttableProxy(topology.url) as proxy:
        app, replica = consumer_app(url=f"{proxy.url}?reconnect_interval=0.2")
        topology.publish(events[:4])
        wait_for(lambda: message_count(engine) == 4, 15, "the first events stored")
        proxy.refusing = True
        proxy.cut()
        wait_for(lambda: replica.get("/readyz").status_code == 503, 10, "not ready")
        assert replica.get("/readyz").json()["checks"]["event_consumer"] == "disconnected"
        topology.publish(events[4:])
        proxy.refusing = False
        wait_for(lambda: replica.get("/readyz").status_code == 200, 15, "ready again")
        wait_for(lambda: message_count(engine) == len(events), 15, "the events published meanwhile stored")
        assert stored_texts(engine) == [e["text"] for e in events]
        stop(replica)
    assert topology.ready_messages() == 0


def test_the_consumer_is_off_without_rabbitmq_url(client: TestClient, app: FastAPI) -> None:
    assert app.state.event_consumer is None
    assert not event_consumer.is_enabled(app.state.settings)
