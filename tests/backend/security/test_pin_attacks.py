"""Attacks on the PIN of a complaint, from outside: a burst of guesses, and telling which
tracking numbers exist from the answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from backend.app.core.settings import Settings
from tests.backend.security.conftest import CountingHasher, burst

Register = Callable[..., dict[str, Any]]


def _wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 1_000_000:06d}"


def test_a_burst_of_100_wrong_pins_compares_at_most_the_limit(
    client: TestClient, register: Register, settings: Settings, pin_hasher: CountingHasher
) -> None:
    body = register("eurolux")
    guess = {"tracking_number": body["tracking_number"], "pin": _wrong(body["pin"])}
    pin_hasher.verified = 0

    answers = burst(lambda: client.post("/api/status-lookup", json=guess), 100)

    codes = Counter(answer.status_code for answer in answers)
    assert pin_hasher.verified <= settings.pin_max_attempts, codes
    assert set(codes) <= {404, 429}, codes
    assert codes[404] <= settings.pin_max_attempts - 1
    assert codes[429] >= 100 - settings.pin_max_attempts + 1
    assert all(int(answer.headers["Retry-After"]) > 0 for answer in answers if answer.status_code == 429)
    # Locked: even the right PIN waits now.
    right = client.post("/api/status-lookup", json={**guess, "pin": body["pin"]})
    assert right.status_code == 429


def test_an_unknown_tracking_number_answers_as_a_wrong_pin(
    client: TestClient, register: Register, pin_hasher: CountingHasher
) -> None:
    body = register("kontakt")
    wrong = client.post("/api/status-lookup", json={"tracking_number": body["tracking_number"], "pin": "000000"})
    if body["pin"] == "000000":  # one chance in a million
        wrong = client.post("/api/status-lookup", json={"tracking_number": body["tracking_number"], "pin": "111111"})
    unknown_number = "ZZZZ-ZZZZ" if body["tracking_number"] != "ZZZZ-ZZZZ" else "YYYY-YYYY"
    pin_hasher.verified = 0
    unknown = client.post("/api/status-lookup", json={"tracking_number": unknown_number, "pin": "000000"})

    assert (unknown.status_code, unknown.content) == (wrong.status_code, wrong.content)
    # The client's budget (tracking/rate_limit.py) is spent alike by both: one failure each.
    counters = ("ratelimit-remaining", "ratelimit-reset")
    assert {k: v for k, v in unknown.headers.items() if k not in counters} == {
        k: v for k, v in wrong.headers.items() if k not in counters
    }
    assert int(unknown.headers["RateLimit-Remaining"]) == int(wrong.headers["RateLimit-Remaining"]) - 1
    # ...and costs a hash comparison as well, so that the time does not tell either.
    assert pin_hasher.verified == 1
