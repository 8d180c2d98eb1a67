"""The outbox's settings, read from the environment like the rest of the Rasa side (bot.settings).

ACTIONS_OUTBOX_URL: where waiting registrations are kept, a SQLAlchemy URL (default: a SQLite
file under var/; the scale-out profile points every action server at one PostgreSQL database).
OUTBOX_RETRY_SECONDS, OUTBOX_RETRY_MAX_SECONDS: the first delay after a failed delivery and the
cap of its doubling. RASA_URL and RASA_TOKEN: Rasa's HTTP API, where the customer is told.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import read
from contract.settings import ROOT

DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'actions-outbox.db'}"


@dataclass(frozen=True)
class OutboxSettings:
    url: str
    retry_seconds: float
    retry_max_seconds: float
    rasa_url: str
    rasa_token: str | None

    @classmethod
    def from_env(cls) -> OutboxSettings:
        return cls(
            url=read("ACTIONS_OUTBOX_URL", DEFAULT_URL),
            retry_seconds=float(read("OUTBOX_RETRY_SECONDS", "10")),
            retry_max_seconds=float(read("OUTBOX_RETRY_MAX_SECONDS", "600")),
            rasa_url=read("RASA_URL").rstrip("/"),
            rasa_token=read("RASA_TOKEN") or None,
        )
