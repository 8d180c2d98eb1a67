"""The action server's entry point: rasa-sdk's app, reachable only by the rasa servers.

`python -m actions.server` (scripts/run-actions.sh) serves rasa_sdk.endpoint.create_app with:
- the bind address ACTIONS_HOST (default 127.0.0.1) instead of rasa-sdk's 0.0.0.0;
- the shared secret ACTIONS_TOKEN: when set, every request but GET /health needs
  `Authorization: Bearer <ACTIONS_TOKEN>` (endpoints.yml makes rasa send it), else 401 JSON.
  A hand-made tracker posted to /webhook would otherwise register complaints and record
  decisions with the service token (issue 19);
- a refusal to start beyond loopback while ACTIONS_TOKEN or SERVICE_TOKEN is a placeholder
  (contract.exposure), exit code 3;
- a request body limit (ACTIONS_MAX_BODY_BYTES) instead of Sanic's 100 MB, and error answers
  that do not echo the tracker (personal data) back to rasa, which would log it.
"""

from __future__ import annotations

import hmac
import logging
import os
import sys
from typing import Any

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from actions import outbox
from bot.runtime.body_limit import limit_body, max_body_bytes
from contract import exposure

logger = logging.getLogger(__name__)

OPEN_PATHS = frozenset({"/health"})
# A tracker with its events and, for the actions that ask for it, the domain; a long
# conversation stays far below this.
MAX_BODY_BYTES = 8 * 1024 * 1024


def require_token(app: Sanic, token: str) -> None:
    """Every request but OPEN_PATHS carries `Authorization: Bearer <token>`, else 401."""
    expected = f"Bearer {token}".encode()

    @app.middleware("request")
    async def _authenticate(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = (request.headers.get("authorization") or "").strip().encode()
        if hmac.compare_digest(given, expected):
            return None
        return response.json({"error": "unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"})


def quiet_errors(app: Sanic) -> None:
    """rasa-sdk's own handler answers a 500 with the request's JSON (the tracker): rasa logs
    that answer. Ours answers with the status only."""

    async def _answer(request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, SanicException):
            status = getattr(exception, "status_code", 500) or 500
            return response.json({"error": type(exception).__name__}, status=status)
        logger.error("action server error on %s: %s", request.path, type(exception).__name__)
        return response.json({"error": "internal error"}, status=500)

    app.error_handler.add(Exception, _answer)


def build(token: str, max_body: int = MAX_BODY_BYTES) -> Sanic:
    """The action server's app: rasa-sdk's endpoints with our token, limits and errors."""
    app = create_app("actions", cors_origins=None)
    if token:
        require_token(app, token)
    quiet_errors(app)
    limit_body(app, max_body)  # after quiet_errors: its 413 names the limit
    outbox.install(app)  # importing `actions` installs it too; said here so the link is visible
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    return app


def main() -> int:
    reason = exposure.check("actions")
    if reason:
        print(reason, file=sys.stderr)
        return 3
    host = os.environ.get("ACTIONS_HOST", "127.0.0.1")
    port = int(os.environ.get("ACTIONS_PORT", "5055"))
    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    token = os.environ.get("ACTIONS_TOKEN", "").strip()
    max_body = max_body_bytes("ACTIONS_MAX_BODY_BYTES", MAX_BODY_BYTES)
    app: Any = build(token, max_body)
    logger.info("action server on http://%s:%s (token %s)", host, port, "required" if token else "not set")
    app.run(host, port, workers=utils.number_of_sanic_workers())
    return 0


if __name__ == "__main__":
    sys.exit(main())
