# Changes: rasa.shared.core.trackers.DialogueStateTracker.applied_events, which the processor,
# the policies and the past states (past_states.py) call many times per turn, each time folding
# every event of the session.
# Shown by: tests/rasa_bot/runtime/patches/test_past_states.py (the same list as Rasa's after every
# step of fuzzed conversations); measured by `make bench-turns` (docs/scale-out.md).
"""A conversation's applied events folded from the events a turn added, not from the session's start.

Rasa works out which events still apply (a rewind, a restart or a form's happy path takes some
out) by folding over every event of the tracker on each call: about 5 ms at ~240 events on the
development machine, several times per turn. The fold's result after k events depends only on
those k events and on the names of the loops the tracker ever activated, so it is kept per
conversation with the events it was folded from; a call whose tracker still starts with those
very event objects (Rasa's events are not changed once made), with the same loop names, folds
only the rest. Each call returns a new list, as Rasa's does. `RASA_APPLIED_EVENTS_CACHE` is the
number of conversations kept (default 500; 0 turns this off).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_SIZE = 500
_original = DialogueStateTracker.applied_events


@dataclass
class _Fold:
    events: list[Event]  # the tracker's events folded so far
    loops: tuple[str, ...]
    applied: list[Event]


class AppliedEventsCache:
    def __init__(self, size: int) -> None:
        self.size = max(size, 0)
        self._folds: OrderedDict[tuple, _Fold] = OrderedDict()
        self.folded = 0  # events folded, for tests and benchmarks

    def __len__(self) -> int:
        return len(self._folds)

    def applied(self, tracker: DialogueStateTracker) -> list[Event]:
        if not self.size:
            return _original(tracker)
        events = list(tracker.events)
        loops = tuple(e.name for e in events if isinstance(e, ActiveLoop) and e.name)
        key = (tracker.sender_id, tracker.is_rule_tracker)
        fold = self._folds.get(key)
        if fold is None or fold.loops != loops or not _starts_with(events, fold.events):
            fold = _Fold([], loops, [])
        loop_names = set(loops)
        for event in events[len(fold.events) :]:
            _fold_one(tracker, event, loop_names, fold.applied)
            fold.events.append(event)
            self.folded += 1
        self._folds[key] = fold
        self._folds.move_to_end(key)
        while len(self._folds) > self.size:
            self._folds.popitem(last=False)
        return list(fold.applied)


def _starts_with(events: list[Event], kept: list[Event]) -> bool:
    return len(events) >= len(kept) and all(new is old for new, old in zip(events, kept, strict=False))


def _fold_one(tracker: DialogueStateTracker, event: Event, loop_names: set[str], applied: list[Event]) -> None:
    """One step of DialogueStateTracker.applied_events (Rasa 3.6)."""
    if isinstance(event, (Restarted, SessionStarted)):
        applied.clear()
    elif isinstance(event, ActionReverted):
        tracker._undo_till_previous(ActionExecuted, applied)
    elif isinstance(event, UserUtteranceReverted):
        # The message goes, then the action before it (the listen that preceded it).
        tracker._undo_till_previous(UserUttered, applied)
        tracker._undo_till_previous(ActionExecuted, applied)
    elif (
        isinstance(event, ActionExecuted)
        and event.action_name in loop_names
        and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
    ):
        tracker._undo_till_previous_loop_execution(event.action_name, applied)
    else:
        applied.append(event)


_cache: AppliedEventsCache | None = None


def install() -> None:
    global _cache
    if _cache is not None:
        return
    _cache = AppliedEventsCache(int(os.environ.get("RASA_APPLIED_EVENTS_CACHE", DEFAULT_SIZE)))

    def applied_events(self: DialogueStateTracker) -> list[Event]:
        return _cache.applied(self)

    DialogueStateTracker.applied_events = applied_events
