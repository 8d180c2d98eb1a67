"""A loopback stand-in for Rasa's HTTP API as the backend uses it during a handoff (tracker
events, trigger_intent, tracker), recording every call; it can be told to fail."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.fake_server import FakeServer as _Server  # noqa: E402
from tests.support.fake_server import json_answer as _json  # noqa: E402

RASA_TOKEN = "fake-rasa-token-0123456789"


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
        self._record({"kind": kind, "conversation_id": conversation_id, "query": query, "json": data})
        if self.token is not None and query.get("token") != self.token:
            return _json(401, {"status": "failure", "reason": "NotAuthenticated"})
        if self.fail_with is not None:
            return _json(self.fail_with, {"status": "failure", "reason": "ConversationError"})
        if method == "POST" and kind == "tracker/events":
            for event in data if isinstance(data, list) else [data]:
                if event.get("event") in ("pause", "resume"):
                    self.paused[conversation_id] = event["event"] == "pause"
        return _json(200, {"sender_id": conversation_id, "paused": self.paused.get(conversation_id, False)})
