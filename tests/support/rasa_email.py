"""A loopback rasa server as the e-mail channel's contract (issue 22) sees it:
`POST /webhooks/email/webhook` (Bearer SERVICE_TOKEN, else 401) answers
`{"messages": [...], "slots": {...}}` from a script the test writes (`reply`), and Rasa's
`POST /conversations/{id}/tracker/events` (the decision's context) records the slots it is
given. It can answer 5xx for a while (`fail_turns`) to show a letter waits and is not lost."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from tests.support.fake_server import FakeServer, json_answer

Answer = dict[str, Any]


class FakeRasaEmail(FakeServer):
    def __init__(self, service_token: str) -> None:
        super().__init__()
        self.service_token = service_token
        self.reset()

    def reset(self) -> None:
        """No requests, no failures, the default answer: one message in Romanian."""
        with self.lock:
            self.requests.clear()
        self.fail_turns = 0  # the next N turns answer 503
        # (sender, message, metadata) -> the answer.
        self.reply: Callable[[str, str, dict[str, Any]], Answer] = lambda sender, message, metadata: {
            "messages": [{"text": "Mulțumim pentru scrisoare."}],
            "slots": {"language": "ro", "tracking_number": None, "awaiting": None},
        }
        # The slots set through the tracker events, per conversation.
        self.slots: dict[str, dict[str, Any]] = {}

    def turns(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r["json"] for r in self.requests if r["kind"] == "email" and r["status"] == 200]

    def route(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        data = json.loads(body) if body else None
        target = urlsplit(path).path
        if method == "POST" and target == "/webhooks/email/webhook":
            if headers.get("Authorization") != f"Bearer {self.service_token}":
                self._record({"kind": "email", "status": 401, "json": data})
                return json_answer(401, {"error": "unauthorised"})
            with self.lock:
                failing = self.fail_turns > 0
                self.fail_turns -= 1 if failing else 0
            if failing:
                self._record({"kind": "email", "status": 503, "json": data})
                return json_answer(503, {"error": "rasa is starting"})
            answer = self.reply(data["sender"], data["message"], data["metadata"])
            self._record({"kind": "email", "status": 200, "json": data})
            return json_answer(200, answer)
        segments = target.split("/")
        if (
            method == "POST"
            and len(segments) == 5
            and segments[1] == "conversations"
            and segments[3:]
            == [
                "tracker",
                "events",
            ]
        ):
            conversation = self.slots.setdefault(segments[2], {})
            for event in data if isinstance(data, list) else [data]:
                if event.get("event") == "slot":
                    conversation[event["name"]] = event["value"]
            self._record({"kind": "events", "status": 200, "json": data, "conversation_id": segments[2]})
            return json_answer(200, {"sender_id": segments[2]})
        return json_answer(404, {"error": f"no route {target}"})
