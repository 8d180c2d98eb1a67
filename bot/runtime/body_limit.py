"""The largest request body a Sanic server of ours reads: the rasa server and the action server.

Sanic's own limit (REQUEST_MAX_SIZE) is 100 MB: whoever reaches a webhook could make the server
read that much per request. Our webhooks and Rasa's HTTP API carry JSON (the channels fetch
files from the platforms, they never receive them in the call), so the rasa server reads at most
RASA_MAX_BODY_BYTES (default 1 MiB) and answers a larger body 413 with a JSON error, before
reading it when Content-Length says so, as soon as the limit is passed otherwise.

`limit_body(app, max_bytes)` applies a limit to any Sanic app (the action server's entry point
calls it with its own); the rasa server gets it from the ops channel (bot.runtime.ops), which
every rasa server of this project loads.
"""

from __future__ import annotations

from typing import Any

from sanic import Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import read

MAX_BODY_SETTING = "RASA_MAX_BODY_BYTES"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def max_body_bytes(name: str = MAX_BODY_SETTING, default: int = DEFAULT_MAX_BODY_BYTES) -> int:
    """The limit a setting gives (bytes, > 0); the default when unset."""
    raw = read(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of bytes, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive")
    return value


def limit_body(app: Sanic, max_bytes: int) -> None:
    """Bodies above `max_bytes` are refused with 413 {"error": ..., "max_bytes": ...}. Sanic reads
    REQUEST_MAX_SIZE for each new connection, so this may run up to the server's start."""
    app.config.REQUEST_MAX_SIZE = max_bytes

    def too_large(_request: Request, _exception: Any) -> HTTPResponse:
        return response.json(
            {"error": "request body too large", "max_bytes": max_bytes},
            status=413,
            headers={"Connection": "close"},
        )

    app.error_handler.add(PayloadTooLarge, too_large)
