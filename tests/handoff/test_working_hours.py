"""Working hours of a policy: shifts per weekday, public holidays off, the next shift."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from backend.app.policies.calendar import calendar_for
from backend.app.policies.profile import load_policies
from backend.app.policies.working_hours import WorkingHours, availability, next_shift_start, parse_shift

BAKU = ZoneInfo("Asia/Baku")


class NoHolidays:
    def is_public_holiday(self, day: dt.date) -> bool:
        return False


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_every_policy_has_its_hours() -> None:
    policies = load_policies()
    retail = {"eurolux", "kontakt", "music_gallery"}
    for policy in policies.values():
        hours = policy.working_hours
        assert set(hours.shifts) >= {"mon", "tue", "wed", "thu", "fri"}
        assert ("sat" in hours.shifts) == (policy.id in retail)
        assert "sun" not in hours.shifts and hours.closed_on_public_holidays


def test_shift_syntax() -> None:
    assert parse_shift("09:00-18:00").start == dt.time(9)
    assert parse_shift("00:00-24:00").end == dt.time.max
    for bad in ("9-18", "18:00-09:00", "09:00-09:00", "25:00-26:00", "09:00 18:00"):
        with pytest.raises(ValueError):
            parse_shift(bad)
    with pytest.raises(ValidationError):
        WorkingHours(shifts={"mon": "18:00-09:00"})
    with pytest.raises(ValidationError):
        WorkingHours(shifts={"monday": "09:00-18:00"})  # type: ignore[dict-item]
    with pytest.raises(ValidationError):
        WorkingHours(shifts={})


def test_the_edges_of_a_shift() -> None:
    hours = WorkingHours(shifts={"mon": "09:00-18:00"}, reply_within_minutes=15)
    free = NoHolidays()
    monday = "2026-11-23"
    assert availability(hours, free, BAKU, at(f"{monday}T09:00:00+04:00")).within_working_hours
    assert availability(hours, free, BAKU, at(f"{monday}T17:59:59+04:00")).within_working_hours
    closing = availability(hours, free, BAKU, at(f"{monday}T18:00:00+04:00"))
    assert not closing.within_working_hours
    # Only Mondays: the next shift is a week later.
    assert closing.next_shift_starts == at("2026-11-30T09:00:00+04:00")
    assert closing.expected_reply_by == at("2026-11-30T09:15:00+04:00")
    inside = availability(hours, free, BAKU, at(f"{monday}T12:00:00+04:00"))
    assert inside.shift_ends == at(f"{monday}T18:00:00+04:00") and inside.next_shift_starts is None


def test_holidays_are_off_unless_the_policy_works_them() -> None:
    az = calendar_for("AZ")
    novruz = at("2026-03-23T11:00:00+04:00")  # a Monday in the Novruz holidays
    assert not availability(WorkingHours(), az, BAKU, novruz).within_working_hours
    open_anyway = WorkingHours(closed_on_public_holidays=False)
    assert availability(open_anyway, az, BAKU, novruz).within_working_hours


def test_a_round_the_clock_desk_is_always_open() -> None:
    hours = WorkingHours(shifts={day: "00:00-24:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    for hour in range(0, 24, 5):
        moment = dt.datetime(2026, 11, 28, hour, 30, tzinfo=BAKU)
        assert availability(hours, NoHolidays(), BAKU, moment).within_working_hours


def test_daylight_saving_time_is_respected() -> None:
    """Bucharest moves its clocks on 29 March 2026: the shift still starts at 09:00 local time."""
    bucharest = ZoneInfo("Europe/Bucharest")
    start = next_shift_start(WorkingHours(), NoHolidays(), bucharest, at("2026-03-27T20:00:00+02:00"))
    assert start.isoformat() == "2026-03-30T09:00:00+03:00"
