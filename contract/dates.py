"""Dates and moments as customers read them, the local way of each language (Babel's CLDR
data): the bot's replies (action server) and the notifications (backend) write the same date
the same way.

One mechanism for every language: Babel's `long` date (day, month name, year) followed by the
weekday in parentheses, e.g. ru "23 июня 2025 г. (понедельник)", az "23 iyun 2025 (bazar
ertəsi)", ro "23 iunie 2025 (luni)", tr "23 Haziran 2025 (Pazartesi)". Babel's `full` format
puts the nominative weekday first in ru and ro, which reads wrong after the texts' "до" /
"până la" ("до понедельник, ..."), and CLDR 46 and 47 order Azerbaijani's differently.

The moment is written in the time zone it carries: callers pass it in the policy's zone.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date as babel_date
from babel.dates import format_time as babel_time
from babel.dates import get_datetime_format, get_day_names

from contract.statuses import Language

NO_DATE = "—"
# The language of the replies' default text (domain.yml) when the conversation has none yet.
FALLBACK_LANGUAGE = Language.ru.value
# The console's fifth language, for dates agents read.
LANGUAGES = frozenset({*(language.value for language in Language), "en"})


def _locale(language: str | None) -> str:
    return language if language in LANGUAGES else FALLBACK_LANGUAGE


def local_date(day: dt.date, language: str | None, *, weekday: bool = True) -> str:
    """ru "23 июня 2025 г. (понедельник)"; `weekday=False`: "23 июня 2025 г."."""
    locale = _locale(language)
    text = babel_date(day, "long", locale=locale)
    if weekday:
        # Stand-alone form ("cccc"): the weekday's own name, not inflected by the date.
        text += f" ({babel_date(day, 'cccc', locale=locale)})"
    return text


def local_moment(moment: dt.datetime, language: str | None) -> str:
    """The date with the time of day, joined as the language joins them: ru "23 июня 2025 г.
    (понедельник), 14:05", az "23 iyun 2025 (bazar ertəsi) 14:05"."""
    locale = _locale(language)
    time = babel_time(moment.time(), "short", locale=locale)
    return (
        get_datetime_format("long", locale=locale)
        .replace("{1}", local_date(moment.date(), locale))
        .replace("{0}", time)
    )


def parse_moment(value: str | None) -> dt.datetime | None:
    """An ISO 8601 moment as the backend's JSON writes it (offset or "Z"), else None."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def date_text(value: str | None, language: str | None, *, weekday: bool = True) -> str:
    """An ISO moment from the backend written as its local date; an unreadable value as given."""
    moment = parse_moment(value)
    if moment is None:
        return value or NO_DATE
    return local_date(moment.date(), language, weekday=weekday)


def moment_text(value: str | None, language: str | None) -> str:
    moment = parse_moment(value)
    if moment is None:
        return value or NO_DATE
    return local_moment(moment, language)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _clock(value: str, locale: str) -> str:
    hour, minute = (int(part) for part in value.split(":"))
    if hour == 24:
        return "24:00"  # a shift to midnight; CLDR writes no 24
    return babel_time(dt.time(hour, minute), "short", locale=locale)


def weekly_hours(shifts: dict[str, str], language: str | None) -> str:
    """A policy's shifts per weekday ({"mon": "09:00-18:00", ...}) as a customer reads them:
    days in a row with the same hours joined, ru "понедельник – пятница 09:00–18:00, суббота
    10:00–16:00"; the weekdays' names and the times of the language (Babel)."""
    locale = _locale(language)
    names = get_day_names("wide", context="format", locale=locale)  # 0 = Monday; az in lower case
    groups: list[tuple[int, int, str]] = []
    for index, day in enumerate(WEEKDAYS):
        shift = shifts.get(day)
        if shift is None:
            continue
        if groups and groups[-1][1] == index - 1 and groups[-1][2] == shift:
            groups[-1] = (groups[-1][0], index, shift)
        else:
            groups.append((index, index, shift))
    parts = []
    for first, last, shift in groups:
        start, end = (_clock(part.strip(), locale) for part in shift.split("-"))
        days = names[first] if first == last else f"{names[first]} – {names[last]}"
        parts.append(f"{days} {start}–{end}")
    return ", ".join(parts)
