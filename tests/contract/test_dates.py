"""contract/dates.py: the one way dates and moments are written for customers, in both
environments (this runs in the backend's; tests/actions covers the action server's)."""

import datetime as dt

import pytest

from contract.dates import date_text, local_date, local_moment, moment_text, weekly_hours

MONDAY = dt.date(2025, 6, 23)
BAKU = dt.timezone(dt.timedelta(hours=4))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "23 июня 2025\u202fг. (понедельник), 14:05"),
        ("ro", "23 iunie 2025 (luni), 14:05"),
        ("tr", "23 Haziran 2025 (Pazartesi) 14:05"),
        ("en", "June 23, 2025 (Monday), 2:05\u202fPM"),
    ],
)
def test_a_moment_joins_date_and_time_as_the_language_does(language: str, expected: str) -> None:
    assert local_moment(dt.datetime(2025, 6, 23, 14, 5, tzinfo=BAKU), language) == expected


def test_azerbaijani_month_and_weekday_names() -> None:
    # CLDR 47 (Babel 2.19) capitalises Azerbaijani weekdays, CLDR 46 (2.18) does not.
    assert local_date(MONDAY, "az").lower() == "23 iyun 2025 (bazar ertəsi)"
    assert local_date(dt.date(2025, 12, 31), "az", weekday=False) == "31 dekabr 2025"


def test_an_unknown_or_missing_language_is_written_as_the_default_replies_are() -> None:
    assert local_date(MONDAY, None) == local_date(MONDAY, "xx") == "23 июня 2025\u202fг. (понедельник)"


def test_iso_text_keeps_the_day_of_its_own_offset() -> None:
    # 23:59:59 in Baku is 19:59:59 UTC, 00:30 in Baku is still the 22nd in UTC: the offset wins.
    assert date_text("2025-06-23T23:59:59+04:00", "ro") == "23 iunie 2025 (luni)"
    assert date_text("2025-06-23T00:30:00+04:00", "ro", weekday=False) == "23 iunie 2025"
    assert moment_text("2025-06-23T09:00:00Z", "tr") == "23 Haziran 2025 (Pazartesi) 09:00"
    assert date_text(None, "ru") == moment_text("", "ru") == "—"
    assert date_text("not a date", "ru") == "not a date"


RETAIL = {day: "09:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")} | {"sat": "10:00-16:00"}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "понедельник – пятница 09:00–18:00, суббота 10:00–16:00"),
        ("ro", "luni – vineri 09:00–18:00, sâmbătă 10:00–16:00"),
        ("tr", "Pazartesi – Cuma 09:00–18:00, Cumartesi 10:00–16:00"),
    ],
)
def test_weekly_hours_join_days_with_the_same_shift(language, expected):
    assert weekly_hours(RETAIL, language) == expected


def test_weekly_hours_keep_gaps_and_midnight():
    # Days apart are not joined; a shift to midnight says 24:00, not 23:59.
    assert weekly_hours({"mon": "00:00-24:00", "wed": "09:00-18:00"}, "ru") == (
        "понедельник 00:00–24:00, среда 09:00–18:00"
    )
    assert weekly_hours(RETAIL, "az").lower().startswith("bazar ertəsi – cümə 09:00–18:00")
