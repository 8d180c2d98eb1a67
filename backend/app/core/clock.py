"""The backend's one source of "now", so tests can run a complaint's whole timeline on a
controlled clock: `with use(ManualClock(start)) as clock: ...; clock.advance(days=3)`.

Every `utcnow()` of backend.app.core.models reads it, so routes, the planner and the
dispatcher all see the same moment. APScheduler keeps its own real clock: tests that use a
ManualClock drive the dispatcher themselves (`Dispatcher.run_due`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Clock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class ManualClock(Clock):
    """Stands still until told to move; thread-safe."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a ManualClock needs an aware start")
        self._now = start.astimezone(dt.UTC)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, moment: dt.datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("naive moment")
        with self._lock:
            self._now = moment.astimezone(dt.UTC)

    def advance(self, delta: dt.timedelta | None = None, **kwargs: float) -> dt.datetime:
        with self._lock:
            self._now += delta if delta is not None else dt.timedelta(**kwargs)
            return self._now


_system = Clock()
_current: Clock = _system


def now() -> dt.datetime:
    return _current.now()


@contextmanager
def use(clock: Clock) -> Iterator[Clock]:
    """Makes `clock` the process's clock for the block (tests)."""
    global _current
    previous, _current = _current, clock
    try:
        yield clock
    finally:
        _current = previous
