"""What a sender is: the message it is handed (`Outgoing`), what it answers (`Sender`), how it
fails (`Permanent`: this route cannot deliver it, the dispatcher tries the next route of the
chain; `Transient`: a later attempt may succeed, the dispatcher retries with backoff; anything
else counts as transient), and the HTTP connections the senders share (`HttpPool`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

_MAX_DETAIL = 200


class SendError(Exception):
    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message[:_MAX_DETAIL])
        self.retry_after = retry_after


class Permanent(SendError):
    """This route cannot deliver this notification (try the next route)."""


class Transient(SendError):
    """Try again later."""


def is_transient_status(code: int) -> bool:
    """An HTTP status worth another attempt later: timeouts, rate limits, server errors."""
    return code in (408, 425, 429) or code >= 500


def status_error(route: str, code: int, retry_after: float | None = None) -> SendError:
    if is_transient_status(code):
        return Transient(f"{route} answered {code}", retry_after=retry_after)
    return Permanent(f"{route} answered {code}")


def response_error(route: str, response: httpx.Response) -> SendError:
    try:
        retry_after: float | None = float(response.headers.get("Retry-After", ""))
    except ValueError:
        retry_after = None
    return status_error(route, response.status_code, retry_after)


def http_error(route: str, exc: httpx.HTTPError) -> Transient:
    return Transient(f"{route} unreachable ({type(exc).__name__})")


@dataclass
class Outgoing:
    """Everything a sender needs, detached from the database session."""

    notification_id: int
    key: str  # idempotency key
    kind: str
    template: str
    language: str
    tracking_number: str
    subject: str
    text: str
    rasa_intent: str
    entities: dict[str, Any]
    conversation_id: str | None = None
    email: str | None = None
    phone: str | None = None
    # It may have arrived already: a previous claim ended without a recorded outcome (a crash),
    # or a previous attempt failed in a way that does not tell whether the other side took it (a
    # dropped connection, a timeout, a balancer's 502 for a server that died answering). Rasa's
    # tracker is searched for the notification's key before it is sent again.
    maybe_delivered: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Sender(Protocol):
    name: str

    async def send(self, message: Outgoing) -> str:
        """Delivers the message; returns what to record (ids, never personal data)."""
        ...


class HttpPool:
    """HTTP clients for the senders. One httpx.AsyncClient slows down sharply with many
    connections in its pool (encode/httpx#3215; here 32 concurrent requests to a local server
    ran at a quarter of the rate of the same requests spread over clients of two connections
    each), so the connections are spread over small clients, picked by notification."""

    PER_CLIENT = 2

    def __init__(self, connections: int, timeout: float) -> None:
        count = max(1, -(-connections // self.PER_CLIENT))
        limits = httpx.Limits(max_connections=self.PER_CLIENT, max_keepalive_connections=self.PER_CLIENT)
        self.clients = [httpx.AsyncClient(timeout=timeout, limits=limits) for _ in range(count)]

    def get(self, key: int) -> httpx.AsyncClient:
        return self.clients[key % len(self.clients)]

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()
