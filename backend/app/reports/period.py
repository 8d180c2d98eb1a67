"""The period a report covers: local dates of the policy's time zone, turned into the UTC
interval the complaints' `received_at` is compared with, and the weeks in it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from backend.app.policies.profile import PolicyProfile
from backend.app.reports.models import Period

# The default period: the last 13 weeks (a quarter), today included.
DEFAULT_DAYS = 91
# Two years at most: the weekly figure is one CASE branch per week.
MAX_DAYS = 2 * 366


class PeriodError(ValueError):
    """A period the reports refuse (the route answers 422 with it)."""


@dataclass(frozen=True)
class ReportPeriod:
    policy: PolicyProfile
    date_from: dt.date
    date_to: dt.date
    # The moment the "now" figures are taken at (UTC).
    now: dt.datetime

    @classmethod
    def of(
        cls, policy: PolicyProfile, date_from: dt.date | None, date_to: dt.date | None, now: dt.datetime
    ) -> ReportPeriod:
        """`to` defaults to today (local), `from` to DEFAULT_DAYS before `to`."""
        to = date_to or policy.local(now).date()
        start = date_from or to - dt.timedelta(days=DEFAULT_DAYS - 1)
        if start > to:
            raise PeriodError("`from` comes after `to`")
        if (to - start).days + 1 > MAX_DAYS:
            raise PeriodError(f"a report covers {MAX_DAYS} days at most")
        return cls(policy=policy, date_from=start, date_to=to, now=now)

    def _midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=self.policy.tz).astimezone(dt.UTC)

    @property
    def start(self) -> dt.datetime:
        """The first moment of `date_from`, local, in UTC (included)."""
        return self._midnight(self.date_from)

    @property
    def end(self) -> dt.datetime:
        """The first moment after `date_to`, local, in UTC (excluded)."""
        return self._midnight(self.date_to + dt.timedelta(days=1))

    @property
    def week_starts(self) -> list[dt.date]:
        """The Mondays of the weeks the period touches (the first one may lie before `from`)."""
        monday = self.date_from - dt.timedelta(days=self.date_from.weekday())
        weeks = []
        while monday <= self.date_to:
            weeks.append(monday)
            monday += dt.timedelta(days=7)
        return weeks

    def week_boundaries(self) -> list[dt.datetime]:
        """Where each week after the first begins (UTC), for the weekly CASE."""
        return [self._midnight(monday) for monday in self.week_starts[1:]]

    def public(self) -> Period:
        return Period(
            policy=self.policy.id,
            date_from=self.date_from,
            date_to=self.date_to,
            timezone=self.policy.timezone,
            as_of=self.policy.local(self.now),
        )
