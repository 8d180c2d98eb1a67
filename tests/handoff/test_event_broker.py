"""The rasa server's event broker (bot/runtime/event_broker.py over bot/runtime/event_relay.py) against a
loopback HTTP server: batches, never blocks or raises, retries while the backend is away,
drops what the backend refuses, keeps its buffer bounded and never logs message text. The
last test loads the broker the way Rasa does, in the rasa environment, from an endpoints
file with `${BACKEND_URL}`."""

from __future__ import annotations

import json
import logging
import subprocess
import textwrap
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.runtime.event_relay import PATH, EventRelay, slim

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "broker-test-service-token"


class Backend:
    """Records each POST (path, headers, JSON); answers with the queued status codes, then 200."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        # As the real backend (MAX_BODY_BYTES): a larger body is answered 413.
        self.max_body = 1024 * 1024
        self.lock = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(owner.delay)
                with owner.lock:
                    status = owner.statuses.pop(0) if owner.statuses else 200
                    if len(body) > owner.max_body:
                        status = 413
                    owner.requests.append(
                        {
                            "path": self.path,
                            "auth": self.headers.get("Authorization"),
                            "json": json.loads(body),
                            "status": status,
                        }
                    )
                    owner.lock.notify_all()
                payload = b'{"received": 0, "messages": 0}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def accepted_events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [e for r in self.requests if r["status"] < 300 for e in r["json"]["events"]]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def backend() -> Iterator[Backend]:
    server = Backend()
    yield server
    server.stop()


def user_event(sender: str, n: int, text: str = "Здравствуйте") -> dict[str, Any]:
    return {
        "event": "user",
        "sender_id": sender,
        "timestamp": 1_790_000_000 + n,
        "text": f"{text} {n}",
        "input_channel": "telegram",
        "message_id": f"m{n}",
        "metadata": {"language_code": "ru", "telegram_user": {"first_name": "Leyla"}},
        "parse_data": {"intent": {"name": "greet", "confidence": 0.99}, "entities": [], "text": f"{text} {n}"},
    }


def test_only_what_the_transcript_needs_leaves_rasa() -> None:
    user = slim(user_event("c1", 1))
    assert user == {
        "sender_id": "c1",
        "event": "user",
        "timestamp": 1_790_000_001,
        "text": "Здравствуйте 1",
        "input_channel": "telegram",
        "message_id": "m1",
        "intent": "greet",
    }
    bot = slim(
        {
            "event": "bot",
            "sender_id": "c1",
            "timestamp": 1.5,
            "text": "Выберите",
            "data": {"buttons": [{"title": "Да", "payload": "/affirm"}, {"payload": "/deny"}], "custom": {"x": 1}},
            "metadata": {"agent": "Alice", "message_key": "agent:1", "utter_action": "utter_x", "other": {"a": 1}},
        }
    )
    assert bot == {
        "sender_id": "c1",
        "event": "bot",
        "timestamp": 1.5,
        "text": "Выберите",
        "buttons": ["Да", "/deny"],
        "metadata": {"agent": "Alice", "message_key": "agent:1"},
    }
    slot = slim({"event": "slot", "sender_id": "c1", "timestamp": 2, "name": "phone", "value": "+994501112233"})
    assert slot == {"sender_id": "c1", "event": "slot", "timestamp": 2, "name": "phone", "value": "+994501112233"}
    assert slim({"event": "pause", "sender_id": "c1", "timestamp": 3}) == {
        "sender_id": "c1",
        "event": "pause",
        "timestamp": 3,
    }
    for ignored in ("user_featurization", "active_loop", "action_execution_rejected", "followup", "session_started"):
        assert slim({"event": ignored, "sender_id": "c1", "timestamp": 4}) is None
    assert slim({"event": "user", "timestamp": 4, "text": "no sender"}) is None
    files = slim(
        {**user_event("c1", 2), "metadata": {"attachments": [{"id": "u1", "filename": "a.jpg", "path": "/x"}]}}
    )
    assert files["metadata"] == {"attachments": [{"id": "u1", "filename": "a.jpg", "content_type": None, "size": None}]}


def test_pins_never_leave_rasa() -> None:
    """The PIN is shown once and stored only as a hash: masked in bot messages, in the customer's
    answer to the PIN question or next to a tracking number, and the `pin` slot is not sent."""
    assert slim({"event": "slot", "sender_id": "c", "name": "pin", "value": "123456"}) is None
    registered = slim({"event": "bot", "sender_id": "c", "text": "Номер K7QM-4PXR, PIN-код: 885784 (сохраните его)"})
    assert registered["text"] == "Номер K7QM-4PXR, PIN-код: •••••• (сохраните его)"
    assert slim({"event": "user", "sender_id": "c", "text": "885784"}, asking_for="pin")["text"] == "••••••"
    assert slim({"event": "user", "sender_id": "c", "text": "k7qm 4pxr 885784"})["text"] == "k7qm 4pxr ••••••"
    # Elsewhere six digits stay (an amount, an order number); phone numbers are never touched.
    assert slim({"event": "user", "sender_id": "c", "text": "заплатил 150000"})["text"] == "заплатил 150000"
    bot = slim({"event": "bot", "sender_id": "c", "text": "Телефон: +994501112233"})
    assert bot["text"] == "Телефон: +994501112233"

    relay = EventRelay("http://127.0.0.1:9", TOKEN, timeout=0.2)
    relay.submit({"event": "slot", "sender_id": "c9", "name": "requested_slot", "value": "pin"})
    relay.submit({"event": "user", "sender_id": "c9", "text": "мой пин 885784"})
    relay.submit({"event": "user", "sender_id": "other", "text": "мой пин 885784"})
    queued = list(relay._buffer)
    relay.close(timeout=0.1)
    assert [e.get("text") for e in queued] == [None, "мой пин ••••••", "мой пин 885784"]


def test_events_go_out_in_batches_in_order_without_blocking(backend: Backend) -> None:
    relay = EventRelay(backend.url, TOKEN, batch_size=50, flush_interval=0.02)
    started = time.perf_counter()
    for n in range(400):
        relay.submit(user_event("c-batch", n))
        relay.submit({"event": "user_featurization", "sender_id": "c-batch"})  # not forwarded
    spent = time.perf_counter() - started
    assert relay.flush(10)
    relay.close()
    assert spent < 0.2, f"publishing 800 events took {spent:.3f}s"
    events = backend.accepted_events()
    assert [e["message_id"] for e in events] == [f"m{n}" for n in range(400)]
    assert 8 <= len(backend.requests) < 60  # batched (50 at most each), not one request per event
    assert all(r["path"] == PATH and r["auth"] == f"Bearer {TOKEN}" for r in backend.requests)
    assert relay.sent == 400 and relay.dropped == 0


def test_a_single_message_goes_out_at_once(backend: Backend) -> None:
    relay = EventRelay(backend.url, TOKEN)
    started = time.perf_counter()
    relay.submit(user_event("c-fast", 1))
    with backend.lock:
        backend.lock.wait_for(lambda: backend.requests, timeout=5)
    assert time.perf_counter() - started < 0.5
    relay.close()


def test_a_slow_backend_does_not_hold_up_the_caller(backend: Backend) -> None:
    backend.delay = 0.5
    relay = EventRelay(backend.url, TOKEN, flush_interval=0)
    started = time.perf_counter()
    for n in range(20):
        relay.submit(user_event("c-slow", n))
        time.sleep(0.01)
    assert time.perf_counter() - started < 0.5
    assert relay.flush(10)
    relay.close()
    assert [e["message_id"] for e in backend.accepted_events()] == [f"m{n}" for n in range(20)]


def test_retries_while_the_backend_is_away(backend: Backend) -> None:
    backend.statuses = [503, 502, 500]
    relay = EventRelay(backend.url, TOKEN, flush_interval=0.01)
    for n in range(5):
        relay.submit(user_event("c-retry", n))
    assert relay.flush(15)
    relay.close()
    assert [e["message_id"] for e in backend.accepted_events()] == [f"m{n}" for n in range(5)]
    assert relay.failed_batches == 3 and relay.dropped == 0


def test_a_refused_batch_is_dropped_not_retried_forever(backend: Backend, caplog) -> None:
    backend.statuses = [401]
    relay = EventRelay(backend.url, TOKEN, flush_interval=0.05)
    relay.submit(user_event("c-refused", 1, text="мой телефон 0501112233"))
    assert relay.flush(5)
    relay.submit(user_event("c-refused", 2))
    assert relay.flush(5)
    relay.close()
    assert relay.dropped == 1 and [e["message_id"] for e in backend.accepted_events()] == ["m2"]


def test_a_batch_over_the_backends_body_limit_is_split_not_dropped(backend: Backend, caplog) -> None:
    """100 long customer messages (about 2 MB of JSON) reach the backend's 1 MiB limit: they go
    in several requests under it, every one of them, in order."""
    caplog.set_level(logging.DEBUG)
    relay = EventRelay(backend.url, TOKEN, batch_size=100, flush_interval=0.5)
    for n in range(100):
        relay.submit(user_event("c-long", n, text="длинное описание проблемы " * 400))
    assert relay.flush(20)
    relay.close()
    assert relay.dropped == 0 and relay.sent == 100
    assert all(r["status"] == 200 for r in backend.requests) and len(backend.requests) >= 2
    assert [e["message_id"] for e in backend.accepted_events()] == [f"m{n}" for n in range(100)]
    assert "длинное" not in caplog.text


def test_one_event_over_the_limit_goes_alone_with_its_text_shortened(backend: Backend, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    backend.max_body = 4096
    relay = EventRelay(backend.url, TOKEN, flush_interval=0.2, max_body=4096)
    relay.submit(user_event("c-huge", 1))
    relay.submit(user_event("c-huge", 2, text="секрет клиента " * 1000))
    relay.submit(user_event("c-huge", 3))
    assert relay.flush(10)
    relay.close()
    events = backend.accepted_events()
    assert [e["message_id"] for e in events] == ["m1", "m2", "m3"] and relay.dropped == 0
    assert events[1]["text"].startswith("секрет клиента") and len(events[1]["text"].encode()) < 4096
    assert "секрет" not in caplog.text and "shortened" in caplog.text


def test_no_backend_at_all_never_raises_and_close_returns(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    relay = EventRelay("http://127.0.0.1:9", TOKEN, max_buffer=10, flush_interval=0, timeout=0.5)
    for n in range(100):
        relay.submit(user_event("c-down", n, text="секретный текст клиента"))
    started = time.perf_counter()
    relay.close(timeout=0.5)
    assert time.perf_counter() - started < 3
    assert relay.sent == 0 and relay.dropped >= 90  # the buffer keeps the newest 10
    assert "секретный" not in caplog.text and "0501112233" not in caplog.text
    assert "unreachable" in caplog.text


def test_garbage_in_does_not_raise() -> None:
    relay = EventRelay("http://127.0.0.1:9", TOKEN, timeout=0.2)
    for event in ({}, {"event": "user"}, {"event": "slot", "sender_id": "c", "value": object()}, None):
        relay.submit(event)  # type: ignore[arg-type]
    relay.close(timeout=0.2)


def test_the_bad_url_is_refused_at_start() -> None:
    with pytest.raises(ValueError):
        EventRelay("backend:8000", TOKEN)


RASA_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from rasa.core.brokers.broker import EventBroker
    from rasa.core.utils import read_endpoints_from_path
    from rasa.shared.core.events import BotUttered, UserUttered, SlotSet, ConversationPaused

    async def main():
        endpoints = read_endpoints_from_path(sys.argv[1])
        broker = await EventBroker.create(endpoints.event_broker)
        print(type(broker).__name__, broker.is_ready(), flush=True)
        for n in range(12):
            event = UserUttered(f"text {n}", {"name": "greet", "confidence": 1.0}, input_channel="socketio")
            broker.publish({"sender_id": "rasa-side", **event.as_dict()})
        broker.publish({"sender_id": "rasa-side", **BotUttered("hello", metadata={"agent": "Alice"}).as_dict()})
        broker.publish({"sender_id": "rasa-side", **SlotSet("phone", "+994501112233").as_dict()})
        broker.publish({"sender_id": "rasa-side", **ConversationPaused().as_dict()})
        await broker.close()

    asyncio.run(main())
    """
)


def test_rasa_loads_the_broker_from_the_endpoints_file(backend: Backend, tmp_path: Path) -> None:
    """As endpoints.yml names it: `type: bot.runtime.event_broker.BackendEventBroker`, `url: ${BACKEND_URL}`
    (substituted by Rasa), the token from SERVICE_TOKEN."""
    python = ROOT / ".venv-rasa" / "bin" / "python"
    if not python.exists():
        pytest.fail("the rasa environment is missing: make venvs")
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "event_broker:\n  type: bot.runtime.event_broker.BackendEventBroker\n  url: ${BACKEND_URL}\n  batch_size: 5\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [str(python), "-c", RASA_SCRIPT, str(endpoints)],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "BACKEND_URL": backend.url,
            "SERVICE_TOKEN": TOKEN,
            "RASA_TELEMETRY_ENABLED": "false",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "3",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.splitlines()[0] == "BackendEventBroker True"
    events = backend.accepted_events()
    assert [e["event"] for e in events] == ["user"] * 12 + ["bot", "slot", "pause"]
    assert events[0]["text"] == "text 0" and events[0]["input_channel"] == "socketio" and events[0]["intent"] == "greet"
    assert events[12]["metadata"] == {"agent": "Alice"}
    assert all(r["auth"] == f"Bearer {TOKEN}" for r in backend.requests)
    assert max(len(r["json"]["events"]) for r in backend.requests) <= 5
