import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from backend.app.policies.calendar import calendar_for

D = dt.date


@pytest.mark.parametrize(
    ("country", "start", "days", "expected"),
    [
        # Novruz + Ramazan bayrami with their observed days fill 20-30 March 2026 in Azerbaijan.
        ("AZ", D(2026, 3, 18), 3, D(2026, 4, 1)),
        # Romanian Orthodox Easter 2026: Good Friday 10 April, Easter Monday 13 April.
        ("RO", D(2026, 4, 9), 1, D(2026, 4, 14)),
        ("RO", D(2026, 4, 9), 7, D(2026, 4, 22)),
        # Kurban bayrami 2026 in Turkey: 27-30 May (26 May is a half day and counts as working).
        ("TR", D(2026, 5, 25), 1, D(2026, 5, 26)),
        ("TR", D(2026, 5, 26), 1, D(2026, 6, 1)),
        # Plain weekends: Friday + 1 working day is Monday.
        ("RO", D(2026, 3, 6), 1, D(2026, 3, 9)),
    ],
)
def test_add_working_days(country: str, start: dt.date, days: int, expected: dt.date) -> None:
    assert calendar_for(country).add_working_days(start, days) == expected


def test_a_weekend_receipt_counts_from_monday() -> None:
    assert calendar_for("AZ").add_working_days(D(2026, 2, 7), 1) == D(2026, 2, 9)


def test_deadline_is_the_end_of_the_local_day_counted_from_the_local_date() -> None:
    baku = ZoneInfo("Asia/Baku")
    # 22:30 UTC on Tuesday is already Wednesday 02:30 in Baku.
    received = dt.datetime(2026, 3, 17, 22, 30, tzinfo=dt.UTC)
    deadline = calendar_for("AZ").deadline(received, 3, "working", baku)
    assert deadline == dt.datetime(2026, 4, 1, 23, 59, 59, tzinfo=baku)
    assert deadline.isoformat() == "2026-04-01T23:59:59+04:00"


def test_calendar_days_ignore_holidays() -> None:
    assert calendar_for("AZ").add_days(D(2026, 3, 18), 10, "calendar") == D(2026, 3, 28)


# Azerbaijan 2025 (holidays' own data): 15-16 June National Salvation Day (observed),
# Saturday 21 June a working day by decree, 26 June Armed Forces Day, Friday 27 June off in
# exchange for the Saturday.
@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2025, 6, 19), 1, D(2025, 6, 20)),
        (D(2025, 6, 19), 2, D(2025, 6, 21)),  # the decree's Saturday counts
        (D(2025, 6, 19), 3, D(2025, 6, 23)),  # Sunday does not
        (D(2025, 6, 20), 1, D(2025, 6, 21)),
        (D(2025, 6, 21), 1, D(2025, 6, 23)),
        (D(2025, 6, 22), 1, D(2025, 6, 23)),
        # 26 and 27 June are off, then the usual weekend: Wednesday + 1 is the next Monday.
        (D(2025, 6, 25), 1, D(2025, 6, 30)),
        (D(2025, 6, 19), 5, D(2025, 6, 25)),
        (D(2025, 6, 13), 1, D(2025, 6, 17)),
    ],
)
def test_azerbaijan_counts_the_saturday_a_decree_made_a_working_day(
    start: dt.date, days: int, expected: dt.date
) -> None:
    assert calendar_for("AZ").add_working_days(start, days) == expected


def test_which_days_of_the_decree_week_are_working_days() -> None:
    az = calendar_for("AZ")
    week = [D(2025, 6, 21) + dt.timedelta(days=offset) for offset in range(7)]
    assert [az.is_working_day(day) for day in week] == [True, False, True, True, True, False, False]
    # The Saturday is no holiday, and the Friday given for it is one (agents' shifts use this).
    assert not az.is_public_holiday(D(2025, 6, 21)) and az.is_public_holiday(D(2025, 6, 27))


def test_an_az_complaint_of_thursday_19_june_2025_is_acknowledged_by_monday_23() -> None:
    baku = ZoneInfo("Asia/Baku")
    received = dt.datetime(2025, 6, 19, 16, 40, tzinfo=baku)
    deadline = calendar_for("AZ").deadline(received, 3, "working", baku)
    assert deadline.isoformat() == "2025-06-23T23:59:59+04:00"
