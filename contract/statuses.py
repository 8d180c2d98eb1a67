"""Languages, channels, categories and the complaint's statuses with the transitions allowed."""

from __future__ import annotations

import sys
from enum import Enum

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # the Rasa environment runs Python 3.10

    class StrEnum(str, Enum):
        """Members are their values, in str(), f-strings and comparisons, as 3.11's StrEnum."""

        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, spec: str) -> str:
            return str(self.value).__format__(spec)


class Language(StrEnum):
    ru = "ru"
    az = "az"
    ro = "ro"
    tr = "tr"


class Channel(StrEnum):
    rest = "rest"
    socketio = "socketio"
    telegram = "telegram"
    whatsapp = "whatsapp"
    twilio = "twilio"
    phone = "phone"
    email = "email"
    shop = "shop"


class ComplaintStatus(StrEnum):
    registered = "registered"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"
    reopened = "reopened"
    disputed = "disputed"


# Which status may follow which. Poliser's approval loop: resolved -> closed (approved) or
# reopened (first rejection, re-review) or disputed (second rejection, external remedies).
STATUS_TRANSITIONS: dict[ComplaintStatus, frozenset[ComplaintStatus]] = {
    ComplaintStatus.registered: frozenset(
        {ComplaintStatus.acknowledged, ComplaintStatus.in_progress, ComplaintStatus.resolved}
    ),
    ComplaintStatus.acknowledged: frozenset({ComplaintStatus.in_progress, ComplaintStatus.resolved}),
    ComplaintStatus.in_progress: frozenset({ComplaintStatus.resolved}),
    ComplaintStatus.resolved: frozenset({ComplaintStatus.closed, ComplaintStatus.reopened, ComplaintStatus.disputed}),
    ComplaintStatus.reopened: frozenset({ComplaintStatus.in_progress, ComplaintStatus.resolved}),
    ComplaintStatus.disputed: frozenset({ComplaintStatus.closed, ComplaintStatus.reopened}),
    ComplaintStatus.closed: frozenset({ComplaintStatus.reopened}),
}

# Statuses in which the resolution deadline no longer runs.
RESOLUTION_STOPPED = frozenset({ComplaintStatus.resolved, ComplaintStatus.closed, ComplaintStatus.disputed})
