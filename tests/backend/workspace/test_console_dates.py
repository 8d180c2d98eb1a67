"""The console writes dates with Babel's names in each of its languages (a data block of the
page, web/agent/i18n.js), since browsers lack some languages' date data: Chromium writes
Azerbaijani "2026 M12 10, Thu" (tests/handoff/test_workspace_journey_e2e.py sees the page)."""

import datetime as dt
import json
import re

import pytest
from babel.dates import format_date

from backend.app.workspace import i18n

LANGUAGES = sorted(i18n.LANGUAGES)


def _dates_of(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="dates">(.*?)</script>', html, re.S)
    assert block is not None
    return json.loads(block.group(1))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_carries_the_languages_date_names(client, lang):
    names = _dates_of(client.get("/agent", params={"lang": lang}).text)
    assert names == i18n.date_names(lang)
    assert len(names["months"]) == 12 and len(set(names["months"])) == 12
    assert len(names["weekdays"]) == 7 and len(set(names["weekdays"])) == 7
    assert all(part in names["date"] for part in ("{d}", "{MMMM}", "{y}")) and not re.search(r"\d", names["date"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_template_writes_babels_long_date(lang):
    names = i18n.date_names(lang)
    for day in (dt.date(2025, 6, 23), dt.date(2026, 12, 1), dt.date(2027, 1, 31)):
        written = names["date"].format(d=day.day, MMMM=names["months"][day.month - 1], y=day.year)
        assert written == format_date(day, "long", locale=i18n.BABEL_LOCALES[lang])


def test_azerbaijani_names():
    names = i18n.date_names("az")
    assert names["months"][5] == "iyun" and names["weekdays"][0] == "B.e."
