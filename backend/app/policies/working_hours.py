"""When a policy's agents answer in the chat: shifts per weekday in the policy's time zone,
public holidays of the policy's country off (the `holidays` calendar of backend.app.policies.calendar).

A profile's `working_hours` block:

    working_hours:
      shifts: {mon: "09:00-18:00", tue: "09:00-18:00", ..., sat: "10:00-16:00"}   # a missing day is closed
      reply_within_minutes: 30     # what the customer is promised inside working hours

Nothing here imports the policies module, so it can be used from it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SHIFT = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
# How far ahead the next shift is looked for (a holiday week and a weekend fit easily).
_SEARCH_DAYS = 60


class Holidays(Protocol):
    def is_public_holiday(self, day: dt.date) -> bool: ...


class Shift(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: dt.time
    end: dt.time


def parse_shift(value: str) -> Shift:
    match = _SHIFT.match(value.strip())
    if not match:
        raise ValueError(f"a shift is written HH:MM-HH:MM, not {value!r}")
    start = dt.time(int(match.group(1)), int(match.group(2)))
    end_hour, end_minute = int(match.group(3)), int(match.group(4))
    end = dt.time.max if (end_hour, end_minute) >= (24, 0) else dt.time(end_hour, end_minute)
    if end <= start:
        raise ValueError(f"a shift must end after it starts: {value!r}")
    return Shift(start=start, end=end)


class WorkingHours(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Default: Monday to Friday, 09:00-18:00.
    shifts: dict[Weekday, str] = Field(default_factory=lambda: {day: "09:00-18:00" for day in WEEKDAYS[:5]})
    reply_within_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Public holidays of the policy's country are days off (also on a shift weekday).
    closed_on_public_holidays: bool = True

    @field_validator("shifts")
    @classmethod
    def _valid_shifts(cls, value: dict[Weekday, str]) -> dict[Weekday, str]:
        if not value:
            raise ValueError("at least one weekday needs a shift")
        for shift in value.values():
            parse_shift(shift)
        return value

    def shift_on(self, day: dt.date, holidays: Holidays) -> Shift | None:
        raw = self.shifts.get(WEEKDAYS[day.weekday()])
        if raw is None or (self.closed_on_public_holidays and holidays.is_public_holiday(day)):
            return None
        return parse_shift(raw)


@dataclass(frozen=True)
class Availability:
    """What the customer is told when the conversation is handed over."""

    within_working_hours: bool
    # When a person will have answered, at the latest (local time of the policy).
    expected_reply_by: dt.datetime
    # Start of the next shift when outside working hours, else None.
    next_shift_starts: dt.datetime | None
    # End of the current shift when inside working hours.
    shift_ends: dt.datetime | None


def availability(hours: WorkingHours, holidays: Holidays, tz: ZoneInfo, now: dt.datetime) -> Availability:
    """Inside a shift: a reply within `reply_within_minutes`. Outside: at the next shift's
    start plus the same margin."""
    local = now.astimezone(tz)
    reply = dt.timedelta(minutes=hours.reply_within_minutes)
    today = hours.shift_on(local.date(), holidays)
    if today is not None:
        start = dt.datetime.combine(local.date(), today.start, tzinfo=tz)
        end = dt.datetime.combine(local.date(), today.end, tzinfo=tz)
        if start <= local < end:
            return Availability(True, local + reply, None, end)
    starts = next_shift_start(hours, holidays, tz, now)
    return Availability(False, starts + reply, starts, None)


def next_shift_start(hours: WorkingHours, holidays: Holidays, tz: ZoneInfo, now: dt.datetime) -> dt.datetime:
    """The first shift start after `now` (local time of `tz`)."""
    local = now.astimezone(tz)
    for offset in range(_SEARCH_DAYS + 1):
        day = local.date() + dt.timedelta(days=offset)
        shift = hours.shift_on(day, holidays)
        if shift is None:
            continue
        start = dt.datetime.combine(day, shift.start, tzinfo=tz)
        if start > local:
            return start
    raise ValueError(f"no shift in the next {_SEARCH_DAYS} days")
