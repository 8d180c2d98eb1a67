"""Request body limits, answered with a JSON 413 that names the limit.

A body whose Content-Length is over the limit is refused before a byte of it is read; a body
without one (chunked) is counted as it arrives and refused when it passes the limit. Every
request has MAX_BODY_BYTES, except the routes given their own (the attachment upload).

(FastAPI's own `max_body_size` is not used: when Content-Length is over it, Starlette replaces
any answer with a bare text "Content Too Large".)
"""

import json
from collections.abc import Mapping
from http import HTTPStatus

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """Raised from `receive`; FastAPI lets HTTPExceptions met while reading a body through,
    so the exception handlers answer it like any other."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=HTTPStatus.REQUEST_ENTITY_TOO_LARGE, detail=too_large_message(limit))


def too_large_message(limit: int) -> str:
    return f"request body larger than the limit of {limit} bytes"


class BodyLimit:
    def __init__(self, app: ASGIApp, *, default_limit: int, route_limits: Mapping[tuple[str, str], int]) -> None:
        """`route_limits`: {(method, path): limit} for exact paths."""
        self.app = app
        self.default_limit = default_limit
        self.route_limits = dict(route_limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.route_limits.get((scope["method"], scope["path"].rstrip("/") or "/"), self.default_limit)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _answer_too_large(send, limit)
            return

        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await _answer_too_large(send, limit)


async def _answer_too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": too_large_message(limit)}, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
