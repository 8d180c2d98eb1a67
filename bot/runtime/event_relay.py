"""Forwards Rasa tracker events to the backend (`POST {BACKEND_URL}/api/internal/rasa-events`,
service token) from a background thread, in batches.

The heart of bot.runtime.event_broker.BackendEventBroker, kept free of rasa imports so it is tested
in the backend's environment too. `submit` never blocks and never raises: events wait in a
bounded buffer (the oldest are dropped when the backend stays away long enough to fill it),
a batch goes out when it is full or FLUSH seconds after its first event, and a failed batch
is retried with back-off while the buffer keeps filling. Only what the transcript and the
agent console need leaves the rasa process (see `slim`), and no message text is ever logged.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict, deque
from typing import Any
from urllib.parse import urlsplit

from bot.settings import settings
from contract import fields, pins, tracking

logger = logging.getLogger(__name__)

PATH = "/api/internal/rasa-events"
FORWARDED = frozenset({"user", "bot", "action", "slot", "pause", "resume", "restart"})
# Slots whose values the agent's summary card shows; others (the PIN!) never leave rasa.
CARD_SLOTS = frozenset({*fields.CARD_SLOTS, "language"})
# A complaint's PIN is shown once and stored only as a hash (DESIGN.md): six digits in a bot
# message, or in a customer's message that answers the PIN question or carries a tracking number.
PIN = pins.PIN
PIN_MASK = pins.MASK
_TRACKING = re.compile(tracking.TYPED.pattern, re.IGNORECASE)
_MAX_TEXT = 10_000
_MAX_BACKOFF = 30.0
_ASKING_SIZE = 50_000
# The backend refuses a body over MAX_BODY_BYTES (1 MiB by default) with 413: a batch is sent
# in requests under this many bytes, and an event too large alone goes with its text shortened.
MAX_BODY = 1_000_000
_ENVELOPE = len(b'{"events":[]}')


def mask_pins(text: str) -> str:
    return PIN.sub(PIN_MASK, text)


def slim(event: dict[str, Any], asking_for: str | None = None) -> dict[str, Any] | None:
    """The fields of a tracker event the backend uses; None for events it does not need.
    `asking_for`: the conversation's requested_slot when the customer wrote (PIN masking)."""
    kind = event.get("event")
    sender = event.get("sender_id")
    if kind not in FORWARDED or not isinstance(sender, str) or not sender:
        return None
    if kind == "slot" and event.get("name") not in CARD_SLOTS:
        return None
    out: dict[str, Any] = {"sender_id": sender[:200], "event": kind, "timestamp": event.get("timestamp")}
    if kind == "user":
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        metadata = event.get("metadata") or {}
        text = _text(event.get("text"))
        if text and (asking_for == "pin" or _TRACKING.search(text)):
            text = mask_pins(text)
        out.update(
            text=text,
            input_channel=event.get("input_channel"),
            message_id=_short(event.get("message_id"), 200),
            intent=_short(intent, 100),
        )
        attachments = metadata.get("attachments") if isinstance(metadata, dict) else None
        if isinstance(attachments, list):
            out["metadata"] = {
                "attachments": [
                    {k: item.get(k) for k in ("id", "filename", "content_type", "size")}
                    for item in attachments[:20]
                    if isinstance(item, dict)
                ]
            }
    elif kind == "bot":
        metadata = event.get("metadata") or {}
        data = event.get("data") or {}
        text = _text(event.get("text"))
        out["text"] = mask_pins(text) if text else text
        if isinstance(metadata, dict):
            kept = {k: metadata[k] for k in ("agent", "message_key") if isinstance(metadata.get(k), str)}
            if kept:
                out["metadata"] = kept
        buttons = data.get("buttons") if isinstance(data, dict) else None
        if isinstance(buttons, list) and buttons:
            out["buttons"] = [
                str(b.get("title") or b.get("payload") or "")[:200] for b in buttons[:20] if isinstance(b, dict)
            ]
    elif kind in ("action", "slot"):
        out["name"] = _short(event.get("name"), 200)
        if kind == "slot":
            value = event.get("value")
            out["value"] = value if value is None or isinstance(value, (bool, int, float)) else _text(value)
    return out


class AskedSlots:
    """What each recent conversation's bot asked last (requested_slot), for PIN masking: the
    HTTP relay and the RabbitMQ broker see the same events and keep the same memory."""

    def __init__(self, size: int = _ASKING_SIZE) -> None:
        self.size = size
        self._asked: OrderedDict[str, Any] = OrderedDict()

    def note(self, event: dict[str, Any]) -> str | None:
        """Takes in a requested_slot event; returns what the event's conversation was asked last."""
        sender = event.get("sender_id")
        if not isinstance(sender, str):
            return None
        if event.get("event") == "slot" and event.get("name") == "requested_slot":
            self._asked[sender] = event.get("value")
            self._asked.move_to_end(sender)
            if len(self._asked) > self.size:
                self._asked.popitem(last=False)
        return self._asked.get(sender)


def _encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False, default=str).encode("utf-8")


def _fit(event: dict[str, Any], limit: int) -> bytes:
    """The event encoded in at most `limit` bytes: its text shortened (never logged)."""
    encoded = _encode(event)
    text = event.get("text")
    while len(encoded) > limit and isinstance(text, str) and text:
        # Keep the share of the text that fits (a little less: the other fields count too).
        text = text[: min(len(text) - 1, int(len(text) * limit / len(encoded) * 0.95))]
        event = {**event, "text": text + "…"}
        encoded = _encode(event)
    return encoded


def pack(batch: list[dict[str, Any]], max_body: int = MAX_BODY) -> list[tuple[int, bytes]]:
    """The batch as request bodies of at most `max_body` bytes, in order, every event in one of
    them: (number of events, body) each."""
    bodies: list[tuple[int, bytes]] = []
    parts: list[bytes] = []
    size = _ENVELOPE

    def close() -> None:
        nonlocal parts, size
        if parts:
            bodies.append((len(parts), b'{"events":[' + b",".join(parts) + b"]}"))
        parts, size = [], _ENVELOPE

    for event in batch:
        encoded = _encode(event)
        if len(encoded) + _ENVELOPE > max_body:
            before = len(encoded)
            encoded = _fit(event, max_body - _ENVELOPE)
            logger.warning(
                "event relay: a %s event of %d bytes shortened to %d", event.get("event"), before, len(encoded)
            )
        if parts and size + 1 + len(encoded) > max_body:
            close()
        size += len(encoded) + (1 if parts else 0)
        parts.append(encoded)
    close()
    return bodies


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)[:_MAX_TEXT]


def _short(value: Any, limit: int) -> str | None:
    return None if value is None else str(value)[:limit]


class EventRelay:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        batch_size: int = 100,
        flush_interval: float = 0.025,
        max_buffer: int = 20_000,
        timeout: float = 10.0,
        max_body: int = MAX_BODY,
    ) -> None:
        parts = urlsplit(url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the backend URL must be http(s)://host[:port], not {url!r}")
        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._path = (parts.path or "") + PATH
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.batch_size = max(1, batch_size)
        self.flush_interval = max(0.0, flush_interval)
        self.timeout = timeout
        self.max_body = max(1024, max_body)
        self._buffer: deque[dict[str, Any]] = deque(maxlen=max_buffer)
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._closing = False
        self._stopping = threading.Event()
        self._sending = 0
        self._connection: http.client.HTTPConnection | None = None
        self._asked = AskedSlots()
        # Counters (read by tests and the close log line).
        self.sent = 0
        self.dropped = 0
        self.failed_batches = 0

    @classmethod
    def from_env(cls, url: str | None = None, token: str | None = None, **options: Any) -> EventRelay:
        return cls(url or settings.backend_url, token or settings.service_token, **options)

    # --- producer side (rasa's event loop) ---------------------------------------------------
    def submit(self, event: dict[str, Any]) -> None:
        try:
            body = slim(event, self._asked.note(event))
            if body is None:
                return
            with self._cond:
                if self._closing:
                    return
                if len(self._buffer) == self._buffer.maxlen:
                    self.dropped += 1
                self._buffer.append(body)
                self._ensure_thread()
                self._cond.notify()
        except Exception:  # noqa: BLE001 - never break the conversation over the transcript
            logger.exception("event relay: event not queued")

    def _ensure_thread(self) -> None:
        # A forked worker does not inherit the thread: start one per process.
        if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="backend-event-relay", daemon=True)
            self._thread.start()

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._buffer) + self._sending

    def flush(self, timeout: float = 5.0) -> bool:
        """Waits until everything queued so far was sent (or given up); True when empty."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pending == 0:
                return True
            time.sleep(0.01)
        return self.pending == 0

    def close(self, timeout: float = 5.0) -> None:
        self.flush(timeout)
        with self._cond:
            self._closing = True
            self._stopping.set()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        self._disconnect()
        if self.dropped or self.pending:
            logger.warning("event relay closed: %d events dropped, %d not sent", self.dropped, self.pending)

    # --- the sender thread -------------------------------------------------------------------
    def _take_batch(self) -> list[dict[str, Any]] | None:
        with self._cond:
            while not self._buffer and not self._closing:
                self._cond.wait()
            if not self._buffer:
                return None
            # Wait a moment for the rest of the turn (user, action, slots, bot come together).
            deadline = time.monotonic() + self.flush_interval
            while len(self._buffer) < self.batch_size and not self._closing:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            batch = [self._buffer.popleft() for _ in range(min(self.batch_size, len(self._buffer)))]
            self._sending = len(batch)
            return batch

    def _run(self) -> None:
        backoff = 0.5
        while True:
            batch = self._take_batch()
            if batch is None:
                return
            for count, body in pack(batch, self.max_body):
                outcome = self._post(body, count)
                while outcome == "retry" and not self._stopping.is_set():
                    self.failed_batches += 1
                    self._stopping.wait(backoff)  # new events do not cut the back-off short
                    backoff = min(backoff * 2, _MAX_BACKOFF)
                    outcome = self._post(body, count)
                if outcome == "sent":
                    self.sent += count
                    backoff = 0.5
                else:
                    self.dropped += count
            with self._cond:
                self._sending = 0

    def _post(self, body: bytes, count: int) -> str:
        """'sent', 'retry' (backend away or 5xx/429) or 'drop' (the backend refused it)."""
        for attempt in (1, 2):  # a kept-alive connection the server closed gets one fresh try
            try:
                connection = self._connect()
                connection.request("POST", self._path, body=body, headers=self._headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.getheader("connection", "").lower() == "close":
                    self._disconnect()
            except (OSError, http.client.HTTPException) as exc:
                self._disconnect()
                if attempt == 2:
                    logger.warning("event relay: backend unreachable (%s), will retry", type(exc).__name__)
                    return "retry"
                continue
            if status < 300:
                return "sent"
            if status == 429 or status >= 500:
                logger.warning("event relay: backend answered %d, will retry", status)
                return "retry"
            logger.error("event relay: backend refused %d events with %d; dropped", count, status)
            return "drop"
        return "retry"  # pragma: no cover

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
            self._connection = cls(self._host, self._port, timeout=self.timeout)
        return self._connection

    def _disconnect(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # noqa: BLE001
                pass
            self._connection = None
