"""Attacks on agents' logins, from outside: which usernames exist, and a burst of guesses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from backend.app.accounts.models import Agent
from backend.app.core.settings import Settings
from tests.backend.security.conftest import CountingHasher, burst

MakeAgent = Callable[..., Agent]


def _login(client: TestClient, username: str, password: str) -> Any:
    return client.post("/api/auth/login", json={"username": username, "password": password})


def test_unknown_username_and_wrong_password_answer_alike(
    client: TestClient, make_agent: MakeAgent, password_hasher: CountingHasher
) -> None:
    make_agent("leyla")
    password_hasher.verified = 0
    wrong = _login(client, "leyla", "not the password")
    unknown = _login(client, "nobody", "not the password")
    assert wrong.status_code == 401
    assert (unknown.status_code, unknown.content) == (wrong.status_code, wrong.content)
    assert dict(unknown.headers) == dict(wrong.headers)
    assert password_hasher.verified == 2  # the unknown name cost a hash comparison too


def test_a_burst_of_wrong_passwords_compares_at_most_the_limit(
    client: TestClient, make_agent: MakeAgent, settings: Settings, password_hasher: CountingHasher
) -> None:
    make_agent("leyla")
    password_hasher.verified = 0

    answers = burst(lambda: _login(client, "leyla", "guess-guess-guess"), 60)

    codes = Counter(answer.status_code for answer in answers)
    assert password_hasher.verified <= settings.login_max_attempts, codes
    assert set(codes) <= {401, 429}, codes
    assert codes[429] >= 60 - settings.login_max_attempts + 1
