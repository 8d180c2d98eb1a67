"""The per-client limit of the public look-up (POST /api/status-lookup and the /track form), on
top of the per-complaint lock-out (core/lockout.py): one client guessing PINs across many
tracking numbers never reaches any one complaint's lock-out, so its wrong answers are counted
per client too.

Only failed look-ups count (an unknown number, a wrong PIN, a locked complaint): a customer who
checks the same complaint all day is never stopped. A client over the limit is refused before
its PIN is compared. The counter is the `limits` library's moving window, in memory by default
and in Redis in the production profile (RATE_LIMIT_STORAGE_URL), so every replica counts the
same failures. The client is the peer address as uvicorn gives it: behind the balancer that is
X-Forwarded-For's, for the proxies uvicorn trusts (FORWARDED_ALLOW_IPS, default 127.0.0.1).

Should the storage fail (Redis down), the look-up goes on without the limit and says so in the
log: the per-complaint lock-out still stands, and customers are not locked out by an outage."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

NAMESPACE = "status-lookup"


@dataclass(frozen=True)
class Budget:
    """What a client has left: `limit` failures per window, `remaining` of them, the window
    clear again in `reset_seconds`."""

    limit: int
    remaining: int
    reset_seconds: int

    @property
    def exhausted(self) -> bool:
        return self.remaining <= 0

    @property
    def headers(self) -> dict[str, str]:
        """RateLimit-* (draft-ietf-httpapi-ratelimit-headers) and, when exhausted, Retry-After."""
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(0, self.remaining)),
            "RateLimit-Reset": str(self.reset_seconds),
        }
        if self.exhausted:
            headers["Retry-After"] = str(max(1, self.reset_seconds))
        return headers


class ClientLimit:
    """`limit`: the `limits` notation ("10 per 15 minutes"); `storage_url`: memory:// or
    redis://host:port/db."""

    def __init__(self, limit: str, storage_url: str) -> None:
        self.item: RateLimitItem = parse(limit)
        self.storage: Storage = storage_from_string(storage_url)
        self.limiter = MovingWindowRateLimiter(self.storage)

    def budget(self, client: str) -> Budget:
        try:
            stats = self.limiter.get_window_stats(self.item, NAMESPACE, client)
        except Exception as error:  # noqa: BLE001 - any storage failure: go on without the limit
            log.warning("rate limit storage unavailable (%s): look-up not limited", type(error).__name__)
            return Budget(limit=self.item.amount, remaining=self.item.amount, reset_seconds=0)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        return Budget(limit=self.item.amount, remaining=stats.remaining, reset_seconds=reset)

    def failed(self, client: str) -> Budget:
        """Counts one failed look-up of `client`; its budget after it."""
        try:
            self.limiter.hit(self.item, NAMESPACE, client)
        except Exception as error:  # noqa: BLE001
            log.warning("rate limit storage unavailable (%s): failure not counted", type(error).__name__)
        return self.budget(client)

    def reset(self) -> None:
        """Forgets every client (tests; an operator after a false alarm)."""
        self.storage.reset()
