"""The per-client limit of the public look-up (backend/app/tracking/rate_limit.py), on top of
each complaint's PIN lock-out: one client trying one PIN on 30 tracking numbers is stopped
after the limit (20 failed look-ups in the tests' settings) while another client's rightful
customer gets in; the limit is in the headers of every answer; and two backend instances on
one Redis count the same failures."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlmodel import Session, select

from backend.app.complaints.models import Complaint
from backend.app.core.settings import Settings
from backend.app.main import create_app
from tests.backend.conftest import SERVICE_TOKEN

Register = Callable[..., dict[str, Any]]
LIMIT = 20  # tests/backend/conftest.py
ATTACKER = ("198.51.100.7", 40000)
CUSTOMER = ("203.0.113.20", 40001)


def _guess(pin: str) -> str:
    return "000000" if pin != "000000" else "111111"


def test_one_client_guessing_across_30_numbers_is_stopped_the_rightful_customer_is_not(
    client: TestClient, register: Register, engine: sa.Engine
) -> None:
    victims = [register("poliser") for _ in range(30)]
    own = register("poliser")
    attacker = TestClient(client.app, client=ATTACKER)
    customer = TestClient(client.app, client=CUSTOMER)
    guess = _guess(victims[0]["pin"])

    answers = [
        attacker.post("/api/status-lookup", json={"tracking_number": v["tracking_number"], "pin": guess})
        for v in victims
    ]
    codes = [answer.status_code for answer in answers]
    hits = [v for v in victims if v["pin"] == guess]  # one chance in a million each
    assert codes[:LIMIT].count(404) == LIMIT - len(hits[:LIMIT]) and codes[LIMIT:] == [429] * (30 - LIMIT), codes
    for index, answer in enumerate(answers[:LIMIT]):
        assert answer.headers["RateLimit-Limit"] == str(LIMIT)
        assert answer.headers["RateLimit-Remaining"] == str(LIMIT - index - 1)
        assert 0 < int(answer.headers["RateLimit-Reset"]) <= 15 * 60
    for answer in answers[LIMIT:]:
        assert answer.headers["RateLimit-Remaining"] == "0"
        assert 0 < int(answer.headers["Retry-After"]) <= 15 * 60
        assert answer.headers["Retry-After"] == answer.headers["RateLimit-Reset"]
        assert answer.json()["detail"] == "too many failed look-ups from this client; try again later"
    # No complaint got near its own lock-out, and past the limit no PIN was even compared.
    with Session(engine) as session:
        failures = dict(session.exec(select(Complaint.tracking_number, Complaint.pin_failed_attempts)).all())
    assert all(failures[v["tracking_number"]] == 1 for v in victims[:LIMIT] if v not in hits)
    assert all(failures[v["tracking_number"]] == 0 for v in victims[LIMIT:])
    # The attacker's own right PIN waits too; the page form shares the budget.
    assert (
        attacker.post(
            "/api/status-lookup", json={"tracking_number": own["tracking_number"], "pin": own["pin"]}
        ).status_code
        == 429
    )
    # Another address: the rightful customer of another complaint gets in, budget untouched.
    ok = customer.post("/api/status-lookup", json={"tracking_number": own["tracking_number"], "pin": own["pin"]})
    assert ok.status_code == 200, ok.text
    assert (ok.headers["RateLimit-Limit"], ok.headers["RateLimit-Remaining"]) == (str(LIMIT), str(LIMIT))
    # ...and the victims' rightful customers too.
    victim = victims[-1]
    assert (
        customer.post(
            "/api/status-lookup", json={"tracking_number": victim["tracking_number"], "pin": victim["pin"]}
        ).status_code
        == 200
    )


def test_the_page_form_and_the_api_share_one_budget(client: TestClient, register: Register) -> None:
    body = register("poliser")
    attacker = TestClient(client.app, client=ATTACKER)
    guess = _guess(body["pin"])
    for _ in range(LIMIT - 1):
        attacker.post("/api/status-lookup", json={"tracking_number": "ZZZZ-ZZZZ", "pin": guess})
    page = attacker.get("/track", params={"lang": "tr"})
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    form = {"tracking_number": "YYYY-YYYY", "pin": guess, "csrf": csrf, "lang": "tr"}
    assert attacker.post("/track", data=form).headers["RateLimit-Remaining"] == "0"
    refused = attacker.post("/track", data={**form, "tracking_number": body["tracking_number"], "pin": body["pin"]})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Cihazınızdan çok fazla başarısız deneme yapıldı" in refused.text


def test_the_action_server_is_not_limited_per_address(client: TestClient, register: Register) -> None:
    """It relays every chat customer's look-ups from one address; each complaint's lock-out holds."""
    body = register("poliser")
    relay = TestClient(client.app, client=ATTACKER, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
    for _ in range(LIMIT + 5):
        answer = relay.post("/api/status-lookup", json={"tracking_number": "ZZZZ-ZZZZ", "pin": _guess(body["pin"])})
        assert answer.status_code == 404 and "RateLimit-Limit" not in answer.headers
    ok = relay.post("/api/status-lookup", json={"tracking_number": body["tracking_number"], "pin": body["pin"]})
    assert ok.status_code == 200


@pytest.mark.integration
def test_two_instances_on_one_redis_share_the_limit(settings: Settings, client: TestClient) -> None:
    """Two apps (two replicas) on Redis at 127.0.0.1:6379: failures on one count on the other."""
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=2).ping()
    except redis.RedisError:
        pytest.fail("the test needs Redis at 127.0.0.1:6379 (as the production profile does)")
    shared = settings.model_copy(
        update={
            "rate_limit_storage_url": SecretStr("redis://127.0.0.1:6379/3"),
            "status_lookup_client_limit": "4 per 10 minutes",
        }
    )
    apps: list[FastAPI] = [create_app(shared), create_app(shared)]
    address = (f"198.51.100.{uuid.uuid4().int % 200 + 20}", 40000)
    # A fresh client key: the address alone could repeat between runs within the window.
    for app in apps:
        app.state.lookup_limit.limiter.clear(app.state.lookup_limit.item, "status-lookup", f"ip:{address[0]}")
    one, two = (TestClient(app, client=address) for app in apps)
    wrong = {"tracking_number": "ZZZZ-ZZZZ", "pin": "000000"}
    try:
        assert [one.post("/api/status-lookup", json=wrong).status_code for _ in range(2)] == [404, 404]
        second = two.post("/api/status-lookup", json=wrong)
        assert (second.status_code, second.headers["RateLimit-Remaining"]) == (404, "1")
        assert one.post("/api/status-lookup", json=wrong).status_code == 404
        refused = two.post("/api/status-lookup", json=wrong)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert one.post("/api/status-lookup", json=wrong).status_code == 429
        # The counters are Redis's, not either process's.
        keys = redis.Redis.from_url("redis://127.0.0.1:6379/3").keys(f"*status-lookup*{address[0]}*")
        assert keys, "no counter in Redis"
    finally:
        for app in apps:
            app.state.lookup_limit.limiter.clear(app.state.lookup_limit.item, "status-lookup", f"ip:{address[0]}")
            app.state.engine.dispose()
