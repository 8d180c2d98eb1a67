"""A loopback stand-in for Rasa's HTTP API as the backend uses it during a handoff (tracker
events, trigger_intent, tracker), recording every call; it can be told to fail. `authorized` is
Rasa's token check (`--auth-token` and `--jwt-secret` with HS256, scripts/run-rasa.sh), which
tests/support/loopback.py shares."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.fake_server import FakeServer as _Server  # noqa: E402
from tests.support.fake_server import json_answer as _json  # noqa: E402

RASA_TOKEN = "fake-rasa-token-0123456789"


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def jwt_user(authorization: str | None, secret: str) -> dict[str, Any] | None:
    """The `user` of a Bearer JWT signed with `secret` (HS256) and not expired, else None."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or token.count(".") != 2:
        return None
    head, payload, signature = token.split(".")
    expected = hmac.new(secret.encode(), f"{head}.{payload}".encode(), hashlib.sha256).digest()
    try:
        if json.loads(_unb64(head)).get("alg") != "HS256" or not hmac.compare_digest(_unb64(signature), expected):
            return None
        claims = json.loads(_unb64(payload))
    except ValueError:
        return None
    if float(claims.get("exp", 0)) < time.time():
        return None
    return claims.get("user")


def authorized(secret: str | None, query: dict[str, str], authorization: str | None) -> bool:
    """As Rasa's requires_auth: no secret, or ?token=<secret>, or a JWT signed with it."""
    if secret is None:
        return True
    return query.get("token") == secret or jwt_user(authorization, secret) is not None


class FakeRasa(_Server):
    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token
        self.fail_with: int | None = None
        self.paused: dict[str, bool] = {}

    def calls(self, kind: str | None = None, conversation_id: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [
                r
                for r in self.requests
                if (kind is None or r["kind"] == kind)
                and (conversation_id is None or r["conversation_id"] == conversation_id)
            ]

    def route(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        segments = parts.path.split("/")
        if len(segments) < 4 or segments[1] != "conversations":
            return _json(404, {"status": "failure", "reason": "NotFound"})
        conversation_id = segments[2]  # as Rasa does: its routes do not decode the path
        kind = "/".join(segments[3:])
        data = json.loads(body) if body else None
        authorization = headers.get("Authorization")
        self._record(
            {
                "kind": kind,
                "conversation_id": conversation_id,
                "query": query,
                "json": data,
                "user": jwt_user(authorization, self.token) if self.token else None,
            }
        )
        if not authorized(self.token, query, authorization):
            return _json(401, {"status": "failure", "reason": "NotAuthenticated"})
        if self.fail_with is not None:
            return _json(self.fail_with, {"status": "failure", "reason": "ConversationError"})
        if method == "POST" and kind == "tracker/events":
            for event in data if isinstance(data, list) else [data]:
                if event.get("event") in ("pause", "resume"):
                    self.paused[conversation_id] = event["event"] == "pause"
        return _json(200, {"sender_id": conversation_id, "paused": self.paused.get(conversation_id, False)})
