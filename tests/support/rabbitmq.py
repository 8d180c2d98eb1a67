"""A real RabbitMQ for the event consumer's tests (TEST_RABBITMQ_URL, default the local one):
each test gets an exchange and a queue of its own, deleted afterwards, and publishes as Rasa's
PikaEventBroker does (rasa/core/brokers/pika.py)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import aio_pika
from yarl import URL

RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")


def reachable(url: str = RABBITMQ_URL) -> bool:
    parsed = URL(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5672), timeout=2):
            return True
    except OSError:
        return False


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@dataclass(frozen=True)
class Topology:
    queue: str
    exchange: str
    url: str = RABBITMQ_URL

    @classmethod
    def unique(cls) -> Topology:
        suffix = uuid.uuid4().hex[:12]
        return cls(queue=f"test_rasa_events_{suffix}", exchange=f"test-rasa-exchange-{suffix}")

    def publish(self, events: Iterable[dict[str, Any] | bytes]) -> None:
        """As Rasa does: declares the fanout exchange and the durable queue bound to it (with
        Rasa's arguments: a mismatch with the consumer's declaration fails here), then one
        persistent message per event, UTF-8 JSON."""
        asyncio.run(self._publish([e if isinstance(e, bytes) else json.dumps(e).encode() for e in events]))

    async def _publish(self, bodies: list[bytes]) -> None:
        connection = await aio_pika.connect(self.url)
        try:
            channel = await connection.channel()
            exchange = await channel.declare_exchange(self.exchange, type=aio_pika.ExchangeType.FANOUT)
            queue = await channel.declare_queue(self.queue, durable=True)
            await queue.bind(exchange, "")
            for body in bodies:
                await exchange.publish(aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), "")
        finally:
            await connection.close()

    def ready_messages(self) -> int:
        """Messages waiting in the queue (not those delivered and not yet acknowledged)."""
        return asyncio.run(self._ready_messages())

    async def _ready_messages(self) -> int:
        connection = await aio_pika.connect(self.url)
        try:
            channel = await connection.channel()
            queue = await channel.declare_queue(self.queue, passive=True)
            count = queue.declaration_result.message_count
            return int(count or 0)
        finally:
            await connection.close()

    def delete(self) -> None:
        asyncio.run(self._delete())

    async def _delete(self) -> None:
        connection = await aio_pika.connect(self.url)
        try:
            channel = await connection.channel()
            await channel.queue_delete(self.queue)
            await channel.exchange_delete(self.exchange)
        finally:
            await connection.close()


def wait_for(condition: Callable[[], bool], timeout: float = 20, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        time.sleep(0.05)


class CuttableProxy:
    """A TCP proxy in front of RabbitMQ whose connections the test cuts, as a broker restart or
    a network failure would; while `refusing`, new connections are closed at once."""

    def __init__(self, url: str = RABBITMQ_URL) -> None:
        target = URL(url)
        self.target = (target.host or "127.0.0.1", target.port or 5672)
        self.refusing = False
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)  # accept() checks for the end this often
        self.port: int = self._listener.getsockname()[1]
        self.url = str(target.with_host("127.0.0.1").with_port(self.port))
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> CuttableProxy:
        self._spawn(self._accept)
        return self

    def __exit__(self, *_: object) -> None:
        self._closed = True
        self._listener.close()
        self.cut()
        for thread in self._threads:
            thread.join(5)

    def cut(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            if self.refusing:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            self._spawn(self._pump, client, upstream)
            self._spawn(self._pump, upstream, client)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
