"""What the attack tests share: bursts of concurrent requests against the app (threads, as
many clients at once would), and counting how often a secret's hash is really compared."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from backend.app.core import security


class CountingHasher:
    """An argon2 PasswordHasher that counts its verify() calls (the real one has __slots__,
    so the module's hasher is replaced, not patched)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.verified = 0

    def verify(self, hash: str, secret: str) -> bool:  # noqa: A002 - argon2's own names
        with self._lock:
            self.verified += 1
        result: bool = self._inner.verify(hash, secret)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.fixture
def pin_hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingHasher]:
    counting = CountingHasher(security._pin_hasher)
    monkeypatch.setattr(security, "_pin_hasher", counting)
    yield counting


@pytest.fixture
def password_hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingHasher]:
    counting = CountingHasher(security._password_hasher)
    monkeypatch.setattr(security, "_password_hasher", counting)
    yield counting


def burst(send: Callable[[], httpx.Response], count: int) -> list[httpx.Response]:
    """`count` requests sent at the same moment from as many threads."""
    start = threading.Barrier(count)

    def one() -> httpx.Response:
        start.wait()
        return send()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(one) for _ in range(count)]
        return [future.result() for future in futures]
