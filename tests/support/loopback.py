"""Local servers that speak the senders' protocols, for the tests and the benchmarks (no mock
objects: the real senders talk HTTP and SMTP to these).

`LoopbackServer` answers, on 127.0.0.1:
- Rasa's HTTP API: GET /conversations/{id}/tracker, POST /conversations/{id}/trigger_intent
  (output_channel; RASA_TOKEN as ?token= or a header JWT as Rasa takes them, tests/support/rasa_api.py;
  404 for an intent not in `intents`; the intent lands in the
  conversation's tracker as Rasa's UserUttered.create_external does);
- the web chat channel's GET /webhooks/socketio/presence?conversation_id= (connected: the id
  is in `open_pages`; the header JWT when RASA_TOKEN is set, as bot/channels/webchat_replay.py);
- the Telegram Bot API: /bot{token}/getMe, /bot{token}/sendMessage (form-encoded, as
  python-telegram-bot sends them);
- the WhatsApp Cloud API: POST /{version}/{phone_number_id}/messages;
- an SMS gateway: POST /sms;
- GET /_records: what it received (for a server in another process).
Failures on demand: `fail(prefix, times, status)` answers the next requests with that status;
`hang(prefix)` records the next request, then holds the answer until `release()`.

`SmtpSink` is an aiosmtpd server that keeps every message.
"""

from __future__ import annotations

import asyncio
import email.policy
import json
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.net import free_port
from tests.support.rasa_api import authorized


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float  # time.time() on arrival
    authorization: str | None = None  # the Authorization header


@dataclass
class Conversation:
    sender_id: str
    channel: str
    paused: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)


class LoopbackServer:
    def __init__(
        self, *, rasa_token: str | None = None, intents: set[str] | None = None, delay: float = 0.0, port: int = 0
    ) -> None:
        self.port = port
        self.rasa_token = rasa_token
        # None: every intent exists.
        self.intents = intents
        self.delay = delay
        self.records: list[Received] = []
        self.conversations: dict[str, Conversation] = {}
        self.open_pages: set[str] = set()  # web chat conversations with a page connected
        self._failures: list[list[Any]] = []  # [prefix, remaining, status, taken]
        self._hang_prefixes: list[str] = []
        self._released = threading.Event()
        self.hung = threading.Event()  # set when a request is being held
        self._lock = threading.Lock()
        self._message_ids = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LoopbackServer:
        server = self

        class Handler(_Handler):
            loopback = server

        self._httpd = _Server(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="loopback-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def conversation(
        self, sender_id: str, *, channel: str = "rest", last_message_at: float | None = None, paused: bool = False
    ) -> Conversation:
        """A conversation in which the customer wrote at `last_message_at` (epoch seconds)."""
        conversation = Conversation(sender_id, channel, paused)
        conversation.events.append(
            {
                "event": "user",
                "timestamp": last_message_at if last_message_at is not None else time.time(),
                "text": "hello",
                "parse_data": {"intent": {"name": "greet"}, "entities": []},
                "input_channel": channel,
            }
        )
        with self._lock:
            self.conversations[sender_id] = conversation
        return conversation

    def fail(self, prefix: str, times: int, status: int = 500, *, taken: bool = False) -> None:
        """The next `times` requests under `prefix` answer `status`; with `taken`, each is first
        handled as usual (a server that did the work and died before answering, behind a
        balancer that answers 502 for it)."""
        with self._lock:
            self._failures.append([prefix, times, status, taken])

    def hang(self, prefix: str) -> None:
        with self._lock:
            self._released.clear()
            self._hang_prefixes.append(prefix)

    def release(self) -> None:
        self._released.set()

    def received(self, prefix: str = "") -> list[Received]:
        with self._lock:
            return [record for record in self.records if record.path.startswith(prefix)]

    def triggered(self) -> list[dict[str, Any]]:
        """Bodies of the trigger_intent calls, each with its conversation id."""
        return [
            {**record.body, "conversation_id": record.path.split("/")[2]}
            for record in self.received("/conversations/")
            if record.path.endswith("/trigger_intent") and record.method == "POST"
        ]

    # --- protocol --------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, str], body: Any, authorization: str | None = None
    ) -> tuple[int, Any]:
        if path == "/_records":
            with self._lock:
                return 200, [record.__dict__ for record in self.records]
        record = Received(method, path, query, body, time.time(), authorization)
        hang = False
        with self._lock:
            self.records.append(record)
            for failure in self._failures:
                if path.startswith(failure[0]) and failure[1] > 0:
                    failure[1] -= 1
                    taken = failure[3]
                    break
            else:
                failure = None
            if failure is not None and not taken:
                return failure[2], {"error": "injected failure"}
            for prefix in self._hang_prefixes:
                if path.startswith(prefix):
                    self._hang_prefixes.remove(prefix)
                    hang = True
                    break
        if self.delay:
            time.sleep(self.delay)
        status, answer = self._answer(method, path, query, body, authorization)
        if failure is not None:
            return failure[2], {"error": "injected failure after handling the request"}
        if hang:
            self.hung.set()
            self._released.wait(120)
        return status, answer

    def _answer(
        self, method: str, path: str, query: dict[str, str], body: Any, authorization: str | None
    ) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if path == "/webhooks/socketio/presence" and method == "GET":
            if not authorized(self.rasa_token, {}, authorization):
                return 401, {"status": "failure", "reason": "NotAuthenticated"}
            conversation_id = query.get("conversation_id", "")
            return 200, {"conversation_id": conversation_id, "connected": conversation_id in self.open_pages}
        if parts[0] == "conversations" and len(parts) == 3:
            if not authorized(self.rasa_token, query, authorization):
                return 401, {"status": "failure", "reason": "NotAuthenticated"}
            # as Rasa does: its routes take the id from the raw path, undecoded
            return self._rasa(parts[1], parts[2], method, body)
        if parts[0].startswith("bot") and len(parts) == 2:
            return self._telegram(parts[1], body)
        if parts[-1] == "messages" and len(parts) == 3:
            with self._lock:
                self._message_ids += 1
                number = self._message_ids
            return 200, {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                "messages": [{"id": f"wamid.loopback{number}"}],
            }
        if parts == ["sms"]:
            return 202, {"status": "accepted"}
        return 404, {"error": f"no route {path}"}

    def _rasa(self, sender_id: str, what: str, method: str, body: Any) -> tuple[int, Any]:
        with self._lock:
            conversation = self.conversations.get(sender_id) or Conversation(sender_id, "rest")
            if what == "tracker" and method == "GET":
                return 200, self._tracker(conversation)
            if what == "trigger_intent" and method == "POST":
                name = body.get("name")
                if self.intents is not None and name not in self.intents:
                    return 404, {
                        "status": "failure",
                        "reason": "NotFound",
                        "message": f"The intent {name} does not exist in the domain.",
                    }
                entities = body.get("entities") or {}
                if isinstance(entities, dict):
                    entities = [{"entity": key, "value": value} for key, value in entities.items()]
                conversation.events.append(
                    {
                        "event": "user",
                        "timestamp": time.time(),
                        "text": f"EXTERNAL: {name}",
                        "parse_data": {"intent": {"name": name, "confidence": 1.0}, "entities": entities},
                        "input_channel": conversation.channel,
                    }
                )
                self.conversations[sender_id] = conversation
                return 200, {"tracker": self._tracker(conversation)}
        return 404, {"error": "unknown rasa route"}

    @staticmethod
    def _tracker(conversation: Conversation) -> dict[str, Any]:
        users = [event for event in conversation.events if event["event"] == "user"]
        return {
            "sender_id": conversation.sender_id,
            "paused": conversation.paused,
            "latest_input_channel": users[-1]["input_channel"] if users else None,
            "latest_event_time": users[-1]["timestamp"] if users else None,
            "events": list(conversation.events),
        }

    def _telegram(self, method: str, body: Any) -> tuple[int, Any]:
        if method == "getMe":
            return 200, {
                "ok": True,
                "result": {"id": 1, "is_bot": True, "first_name": "Loopback", "username": "loopback_bot"},
            }
        if method == "sendMessage":
            with self._lock:
                self._message_ids += 1
                number = self._message_ids
            chat_id = int(body.get("chat_id"))
            return 200, {
                "ok": True,
                "result": {
                    "message_id": number,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private"},
                    "text": body.get("text"),
                },
            }
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many keep-alive connections open at once


class _Handler(BaseHTTPRequestHandler):
    loopback: LoopbackServer
    protocol_version = "HTTP/1.1"  # keep-alive, as real APIs
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stalls

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type") or ""
        body: Any = None
        if raw:
            if "json" in content_type:
                body = json.loads(raw)
            else:
                body = {key: values[-1] for key, values in parse_qs(raw.decode()).items()}
        status, answer = self.loopback.handle(method, url.path, query, body, self.headers.get("Authorization"))
        data = json.dumps(answer, default=str).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")


async def serve_asyncio(server: LoopbackServer, port: int) -> None:
    """The same protocols on one asyncio loop (HTTP/1.1 keep-alive, Content-Length bodies):
    the benchmark's receiver, where a thread per connection would measure the GIL."""

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                raw = await reader.readexactly(int(headers.get("content-length") or 0))
                url = urlsplit(target)
                query = {key: values[-1] for key, values in parse_qs(url.query).items()}
                body: Any = None
                if raw:
                    if "json" in headers.get("content-type", ""):
                        body = json.loads(raw)
                    else:
                        body = {key: values[-1] for key, values in parse_qs(raw.decode()).items()}
                status, answer = server.handle(method, url.path, query, body, headers.get("authorization"))
                data = json.dumps(answer, default=str).encode()
                reply = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
                writer.write(reply.encode() + data)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    listener = await asyncio.start_server(connection, "127.0.0.1", port, backlog=512)
    async with listener:
        await listener.serve_forever()


class SmtpSink:
    """aiosmtpd on 127.0.0.1; `messages` holds every message received."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        sink = self
        self.messages: list[Message] = []
        self.failures = 0  # answer the next N messages with 451
        # Keep the next message, then hold the answer until `released` (a crash mid-send).
        self.hang_next = False
        self.hung = threading.Event()
        self.released = threading.Event()
        self._lock = threading.Lock()

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                with sink._lock:
                    if sink.failures > 0:
                        sink.failures -= 1
                        return "451 4.3.0 try again later"
                    message = message_from_bytes(envelope.content, policy=email.policy.default)
                    message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
                    sink.messages.append(message)
                    hang, sink.hang_next = sink.hang_next, False
                if hang:
                    sink.hung.set()
                    while not sink.released.is_set():
                        await asyncio.sleep(0.05)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
