"""A loopback stand-in for the backend's registration API as the action server uses it
(`POST /api/complaints` with an Idempotency-Key): one complaint per key however often it is
posted, the PIN again on a replay, as the real backend answers; it can be told to fail (5xx)
or to refuse (4xx)."""

from __future__ import annotations

import json
from typing import Any

from tests.support.fake_server import FakeServer, json_answer


class FakeBackend(FakeServer):
    def __init__(self, token: str = "svc") -> None:
        super().__init__()
        self.token = token
        self.fail_with: int | None = None  # answer every call with this status
        self.refuse_with: tuple[int, dict[str, Any]] | None = None
        self.complaints: dict[str, str] = {}  # idempotency key -> tracking number

    def posts(self, key: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if key is None or r["key"] == key]

    def route(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if method != "POST" or path != "/api/complaints":
            return json_answer(404, {"detail": "Not Found"})
        key = headers.get("Idempotency-Key")
        self._record({"key": key, "json": json.loads(body), "authorization": headers.get("Authorization")})
        if headers.get("Authorization") != f"Bearer {self.token}":
            return json_answer(401, {"detail": "unauthorized"})
        if self.fail_with is not None:
            return json_answer(self.fail_with, {"detail": "down"})
        if self.refuse_with is not None:
            return json_answer(*self.refuse_with)
        with self.lock:
            tracking_number = self.complaints.setdefault(key, f"K7QM-{len(self.complaints) + 2:04d}")
        return json_answer(
            201,
            {
                "tracking_number": tracking_number,
                "pin": "123456",
                "status": "registered",
                "deadlines": {"acknowledge_by": "2026-11-26T23:59:59+04:00", "resolve_by": "2026-12-03T23:59:59+04:00"},
            },
        )
