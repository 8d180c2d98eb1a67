"""The console's languages: its label files (backend/texts/console/<lang>.yml, one flat
mapping of keys to labels each) and the choice of a page's language:
`?lang=` > the `agent_lang` cookie (set after login from the agent's stored choice) >
Accept-Language > en."""

import datetime as dt
from functools import cache
from typing import Any

import yaml
from babel import Locale
from babel.dates import format_date

from backend.app.core.settings import REPO_ROOT

TEXTS_DIR = REPO_ROOT / "backend" / "texts" / "console"
# The console's languages, each named in itself (the picker).
LANGUAGES: dict[str, str] = {"az": "Azərbaycanca", "en": "English", "ro": "Română", "ru": "Русский", "tr": "Türkçe"}
DEFAULT = "en"
COOKIE = "agent_lang"


@cache
def labels(lang: str) -> dict[str, str]:
    """Every label of one language (KeyError for a language the console does not speak)."""
    if lang not in LANGUAGES:
        raise KeyError(lang)
    with (TEXTS_DIR / f"{lang}.yml").open(encoding="utf-8") as handle:
        data: Any = yaml.safe_load(handle)
    return {str(key): str(value) for key, value in data.items()}


def _accepted(header: str | None) -> list[str]:
    """Accept-Language's primary tags, most wanted first (q=0 left out)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, index, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(ranked)]


def choose_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    for wanted in (query, cookie, *_accepted(accept_language)):
        if wanted and wanted.lower() in LANGUAGES:
            return wanted.lower()
    return DEFAULT


# Babel's locale of each console language (en as the console writes it: day before month).
BABEL_LOCALES = {"az": "az", "en": "en_GB", "ro": "ro", "ru": "ru", "tr": "tr"}
# A day whose day, month and year digits differ, to find each in Babel's written date.
_SAMPLE = dt.date(2033, 11, 22)


@cache
def date_names(lang: str) -> dict[str, Any]:
    """How the console writes a date in one language, from Babel's CLDR data: the month names
    as a date inflects them, the short weekdays (Monday first) and the long date as a template
    ("{d} {MMMM} {y}"). Browsers lack some languages' date data (Chromium writes Azerbaijani as
    "2026 M12 10, Thu"), so the page's scripts take the names from here, not from Intl."""
    locale = Locale.parse(BABEL_LOCALES[lang])
    months = [locale.months["format"]["wide"][month] for month in range(1, 13)]
    written = format_date(_SAMPLE, "long", locale=locale)
    template = written.replace(months[_SAMPLE.month - 1], "{MMMM}").replace(str(_SAMPLE.year), "{y}")
    return {
        "months": months,
        "weekdays": [locale.days["format"]["abbreviated"][day] for day in range(7)],
        "date": template.replace(str(_SAMPLE.day), "{d}"),
    }
