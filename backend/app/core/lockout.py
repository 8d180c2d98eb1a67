"""Wrong secrets (a complaint's PIN, an agent's password): counted and locked in one row update.

A check first *takes an attempt*: one UPDATE that matches only a row that is not locked, adds
one to its failures and, on the last attempt of a round, locks the row at once. Only a caller
whose UPDATE matched may compare the secret, so however many requests arrive together, at
most `max_attempts` compare it per round: the rest find the row locked (or being locked).
A right secret then clears the row (`clear`). Each lock-out lasts twice the one before (from
`first`, capped at `longest`) until a right secret is given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

import sqlalchemy as sa
from sqlmodel import Session

# 2**30 times any lock-out is past every cap; keeps timedelta arithmetic small.
_MAX_DOUBLINGS = 30


class Locked(Exception):
    """The row is locked for `remaining` (or this very attempt locked it)."""

    def __init__(self, remaining: dt.timedelta) -> None:
        super().__init__("too many wrong attempts; try again later")
        self.remaining = remaining

    @property
    def retry_after(self) -> str:
        """The Retry-After header's value: whole seconds, at least 1."""
        return str(max(1, int(self.remaining.total_seconds())))


@dataclass(frozen=True)
class Lockout:
    max_attempts: int
    first: dt.timedelta
    longest: dt.timedelta

    def duration(self, lockouts: int) -> dt.timedelta:
        """How long the row is locked when `lockouts` lock-outs came before this one."""
        return min(self.first * 2 ** min(lockouts, _MAX_DOUBLINGS), max(self.longest, self.first))


@dataclass(frozen=True)
class Counter:
    """The columns of a table that count one secret's wrong attempts."""

    id: sa.Column[int]
    failures: sa.Column[int]
    locked_until: sa.Column[dt.datetime]
    lockouts: sa.Column[int]

    @property
    def table(self) -> sa.Table:
        table = self.id.table
        assert isinstance(table, sa.Table)
        return table


class Attempt(Enum):
    """What taking an attempt gave: compare the secret; the last attempt of a round (the row
    is locked already, a right secret unlocks it); or no such row."""

    allowed = "allowed"
    last = "last"
    missing = "missing"


def take_attempt(
    *, session: Session, counter: Counter, row_id: int, rules: Lockout, now: dt.datetime
) -> tuple[Attempt, dt.timedelta]:
    """Counts one attempt before the secret is compared (a crash after this counts as a wrong
    one). Returns the attempt and, for the last one, how long the lock it set lasts. Raises
    Locked while the row is locked. Commits."""
    last = counter.failures + 1 >= rules.max_attempts
    statement = (
        sa.update(counter.table)
        .where(counter.id == row_id, sa.or_(counter.locked_until.is_(None), counter.locked_until <= now))
        .values(
            {
                counter.failures: sa.case((last, 0), else_=counter.failures + 1),
                counter.locked_until: sa.case((last, _lock_end(counter, rules, now)), else_=counter.locked_until),
                counter.lockouts: sa.case((last, counter.lockouts + 1), else_=counter.lockouts),
            }
        )
        .returning(counter.locked_until)
    )
    row = session.execute(statement).first()
    session.commit()
    if row is not None:
        locked_until = row[0]
        if locked_until is not None and locked_until > now:
            return Attempt.last, locked_until - now
        return Attempt.allowed, dt.timedelta(0)
    found = session.execute(sa.select(counter.locked_until).where(counter.id == row_id)).first()
    session.commit()
    if found is None:
        return Attempt.missing, dt.timedelta(0)
    locked_until = found[0]
    # Unlocked again in between: a second is as good an answer as any.
    raise Locked(locked_until - now if locked_until is not None and locked_until > now else dt.timedelta(seconds=1))


def clear(*, session: Session, counter: Counter, row_id: int) -> None:
    """A right secret: no failures, no lock, and the next lock-out is the shortest again. Commits."""
    session.execute(
        sa.update(counter.table)
        .where(counter.id == row_id)
        .values({counter.failures: 0, counter.locked_until: None, counter.lockouts: 0})
    )
    session.commit()


def _lock_end(counter: Counter, rules: Lockout, now: dt.datetime) -> sa.ColumnElement[dt.datetime]:
    """now + rules.duration(lockouts), computed in the UPDATE from the row's own count: one
    bound value per step of the doubling, then the cap."""
    steps: dict[int, sa.ColumnElement[dt.datetime]] = {}
    lockouts = 0
    while rules.duration(lockouts) < rules.longest and lockouts < _MAX_DOUBLINGS:
        steps[lockouts] = sa.literal(now + rules.duration(lockouts), counter.locked_until.type)
        lockouts += 1
    cap = sa.literal(now + rules.duration(lockouts), counter.locked_until.type)
    if not steps:
        return cap
    return sa.case(steps, value=counter.lockouts, else_=cap)
