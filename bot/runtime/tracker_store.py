"""Rasa's SQL tracker store with no PIN at rest (DESIGN.md: the PIN is shown once, stored only as
a hash).

endpoints.yml (both profiles; every SQLTrackerStore option still applies):

    tracker_store:
      type: bot.runtime.tracker_store.RedactingSQLTrackerStore
      url: ${RASA_TRACKER_URL}

Rasa sends the tracker to the action server before it saves it, so the actions of a turn see the
clear values; what reaches the database is redacted:
- every bot message (the registration reply carries the PIN): six digits standing alone masked
  in its text, data and metadata (Rasa keeps a response's variables, `pin` included, there);
- the `pin` slot: stored empty, so a later turn that still needs it asks for it again;
- a customer's message in a turn where the PIN was asked for (requested_slot == "pin") or found
  (the `pin` slot set), that carries a tracking number, or that the backend triggered
  (EXTERNAL_*: notifications, agents' texts), with the slots set in that turn: PINs masked.
The event broker gets the clear events (bot.runtime.event_relay masks its own copy).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, Event, Restarted, SlotSet, UserUttered

from contract import pins, tracking

PIN_SLOT = "pin"
REQUESTED_SLOT = "requested_slot"
_TRACKING = re.compile(tracking.TYPED.pattern, re.IGNORECASE)
# Identifiers that are never a PIN and that other code matches on: left as they are.
_KEPT_KEYS = frozenset({"message_id", "message_key", "sender_id", "event", "timestamp", "id", "name"})
# Codes the customer gives as what they are: six digits inside a serial ("18052F110937") are no PIN,
# and masking them would register the complaint with a serial the customer never typed. Only a
# value that is nothing but a PIN is masked there.
_CODE_SLOTS = frozenset({"serial_number", "ticket_number", "inverter_model", "phone", "email", "tracking_number"})


def mask_deep(value: Any) -> Any:
    """PINs masked in every string of a JSON-like value (identifier keys left alone)."""
    if isinstance(value, str):
        return pins.mask(value)
    if isinstance(value, dict):
        return {key: item if key in _KEPT_KEYS else mask_deep(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_deep(item) for item in value]
    return value


def _sensitive(turn: Sequence[Event], asked: Any) -> bool:
    """A turn (a customer's message and what followed it) whose message may carry a PIN."""
    first = turn[0]
    if isinstance(first, UserUttered):
        if asked == PIN_SLOT or (first.text and _TRACKING.search(first.text)):
            return True
        if (first.intent_name or "").startswith("EXTERNAL_"):
            return True
    return any(isinstance(e, SlotSet) and e.key == PIN_SLOT and e.value is not None for e in turn)


def redacted(events: Sequence[Event], first_new: int) -> list[dict[str, Any] | None]:
    """For each of events[first_new:], the dict to store instead of `event.as_dict()`, or None
    when it needs no change. Only the turns holding new events are read, and the question asked
    before them (found backwards), so a save costs the same however long the conversation is."""
    start = first_new
    while start > 0 and not isinstance(events[start], UserUttered):
        start -= 1
    asked = _asked_before(events, start)
    out: list[dict[str, Any] | None] = []
    while start < len(events):
        end = start + 1
        while end < len(events) and not isinstance(events[end], UserUttered):
            end += 1
        turn = events[start:end]
        sensitive = _sensitive(turn, asked)
        for index in range(max(start, first_new), end):
            out.append(_redact(events[index], sensitive))
        asked = _asked_before(turn, len(turn), asked)  # what the bot asks when the next message comes
        start = end
    return out


def _asked_before(events: Sequence[Event], end: int, default: Any = None) -> Any:
    """The slot the bot last asked for in events[:end] (None after a restart), else `default`."""
    for event in reversed(events[:end]):
        if isinstance(event, SlotSet) and event.key == REQUESTED_SLOT:
            return event.value
        if isinstance(event, Restarted):
            return None
    return default


def _redact(event: Event, sensitive: bool) -> dict[str, Any] | None:
    if isinstance(event, SlotSet):
        if event.key == PIN_SLOT and event.value is not None:
            return {**event.as_dict(), "value": None}
        if event.key in _CODE_SLOTS and not (isinstance(event.value, str) and pins.PIN.fullmatch(event.value.strip())):
            return None
        if sensitive and isinstance(event.value, (str, list, dict)):
            data = event.as_dict()
            return {**data, "value": mask_deep(data["value"])}
        return None
    if isinstance(event, BotUttered) or (sensitive and isinstance(event, UserUttered)):
        data = event.as_dict()
        masked = mask_deep(data)
        return masked if masked != data else None
    return None


class _Stored:
    """What SQLTrackerStore.save reads of an event (type_name, as_dict), redacted."""

    def __init__(self, event: Event, data: dict[str, Any]) -> None:
        self.type_name = event.type_name
        self._data = data

    def as_dict(self) -> dict[str, Any]:
        return self._data


def was_redacted(event: Any) -> bool:
    """Whether `_additional_events` gave a redacted copy of this event to store."""
    return isinstance(event, _Stored)


class RedactingSQLTrackerStore(SQLTrackerStore):
    def _additional_events(self, session: Any, tracker: Any) -> Iterator[Any]:
        new = list(super()._additional_events(session, tracker))
        if not new:
            return iter(())
        events = list(tracker.events)
        first_new = len(events) - len(new)
        changes = redacted(events, first_new)
        return iter(event if data is None else _Stored(event, data) for event, data in zip(new, changes, strict=True))
