"""Dates in the notifications: the customer's language's month and weekday names, the date of
the policy's time zone."""

import datetime as dt

import pytest

from backend.app.notifications.texts import format_date
from backend.app.policies.profile import load_policies
from contract.statuses import Language

POLICIES = load_policies()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "23 июня 2025\u202fг. (понедельник)"),
        ("ro", "23 iunie 2025 (luni)"),
        ("tr", "23 Haziran 2025 (Pazartesi)"),
    ],
)
def test_a_deadline_is_written_the_local_way(language: str, expected: str) -> None:
    policy = POLICIES["eurolux"]
    deadline = dt.datetime(2025, 6, 23, 23, 59, 59, tzinfo=policy.tz)
    assert format_date(deadline, policy, Language(language)) == expected


def test_azerbaijani_names_the_month_and_the_weekday() -> None:
    policy = POLICIES["eurolux"]
    deadline = dt.datetime(2025, 6, 23, 23, 59, 59, tzinfo=policy.tz)
    # CLDR 47 (Babel 2.19) capitalises Azerbaijani weekdays, CLDR 46 does not.
    assert format_date(deadline, policy, Language.az).lower() == "23 iyun 2025 (bazar ertəsi)"


def test_the_date_is_the_policys_local_date_not_utcs() -> None:
    # 20:30 UTC on Sunday 22 June 2025: already 00:30 on Monday 23 June in Baku (UTC+4), still
    # 23:30 on the 22nd in Bucharest (UTC+3 in summer).
    moment = dt.datetime(2025, 6, 22, 20, 30, tzinfo=dt.UTC)
    assert format_date(moment, POLICIES["kontakt"], Language.ro) == "23 iunie 2025 (luni)"
    assert format_date(moment, POLICIES["inverter_eu"], Language.ro) == "22 iunie 2025 (duminică)"


def test_no_date_is_a_dash() -> None:
    assert format_date(None, POLICIES["eurolux"], Language.ru) == "—"
