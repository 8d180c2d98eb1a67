"""Per-conversation message limit of the customer channels (MESSAGE_RATE_LIMIT messages per
MESSAGE_RATE_WINDOW_SECONDS, sliding). Past the limit a message is dropped; the first dropped
one of a window earns the customer one polite answer in their language (texts.yml).

Counted in this process's memory: behind several rasa servers each counts what it serves. No
rasa imports: tested in the backend's environment too.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from contract import langid
from contract.policy import load_intake

TEXTS = Path(__file__).with_name("texts.yml")

PASS = "pass"  # under the limit: to Rasa
NOTIFY = "notify"  # over it, first time in this window: one polite answer
DROP = "drop"  # over it again: nothing


@dataclass
class _Window:
    times: deque[float] = field(default_factory=deque)
    notified_at: float | None = None


class RateLimiter:
    def __init__(
        self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic, senders: int = 100_000
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self.clock = clock
        self.senders = senders  # conversations remembered; the least recent are forgotten first
        self._windows: OrderedDict[str, _Window] = OrderedDict()

    def check(self, sender: str) -> str:
        if self.limit <= 0:
            return PASS
        now = self.clock()
        window = self._windows.pop(sender, None) or _Window()
        self._windows[sender] = window
        while len(self._windows) > self.senders:
            self._windows.popitem(last=False)
        while window.times and window.times[0] <= now - self.window:
            window.times.popleft()
        if len(window.times) < self.limit:
            window.times.append(now)
            return PASS
        if window.notified_at is None or now - window.notified_at >= self.window:
            window.notified_at = now
            return NOTIFY
        return DROP


@lru_cache(maxsize=1)
def _texts() -> dict[str, dict[str, str]]:
    with TEXTS.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def polite_text(text: str, metadata: Mapping[str, Any] | None, policy_id: str) -> str:
    """The rate-limit answer in the message's language (contract.langid, with the channel's
    hint), else the policy's default language."""
    policy = load_intake(policy_id)
    metadata = metadata or {}
    hint = langid.normalise_hint(metadata.get("language_code") or metadata.get("language"))
    language = langid.choose_language(
        text or "", current=None, hint=hint, allowed=policy.languages, default=policy.default_language
    )
    texts = _texts()["rate_limited"]
    return texts.get(language) or texts[policy.default_language]
