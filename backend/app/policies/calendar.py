"""Working-day arithmetic on national calendars, and deadlines in a policy's time zone.

A deadline "within N days" ends with the N-th day counted after the local date of the
starting moment, at 23:59:59 local time. Which days are working days is the `holidays`
package's own answer (`is_working_day`, `get_nth_working_day`): the country's weekend minus
the weekend days a decree made working days (Azerbaijan's Saturday 2025-06-21), plus its
public holidays (moving holidays, observed and substituted days; Turkey's half days before a
bayram are another category and count as working days).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

DayUnit = Literal["working", "calendar"]

END_OF_DAY = dt.time(23, 59, 59)


class WorkingCalendar:
    def __init__(self, country: str) -> None:
        this_year = dt.date.today().year
        # Pre-populated for the usual range; `holidays` expands to other years on demand.
        self._holidays = holidays.country_holidays(
            country, years=range(this_year - 1, this_year + 3), categories=("public",)
        )

    def is_working_day(self, day: dt.date) -> bool:
        return self._holidays.is_working_day(day)

    def is_public_holiday(self, day: dt.date) -> bool:
        return day in self._holidays

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The `days`-th working day after `start` (`start` itself never counts)."""
        if days <= 0:
            return start
        return self._holidays.get_nth_working_day(start, days)

    def add_days(self, start: dt.date, days: int, unit: DayUnit) -> dt.date:
        if unit == "working":
            return self.add_working_days(start, days)
        return start + dt.timedelta(days=days)

    def deadline(self, start: dt.datetime, days: int, unit: DayUnit, tz: ZoneInfo) -> dt.datetime:
        """End of the local day that lies `days` (working or calendar) days after `start`."""
        local_start = start.astimezone(tz).date()
        return dt.datetime.combine(self.add_days(local_start, days, unit), END_OF_DAY, tzinfo=tz)


@cache
def calendar_for(country: str) -> WorkingCalendar:
    return WorkingCalendar(country)
