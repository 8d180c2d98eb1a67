"""The console's languages: its label files (backend/texts/console/<lang>.yml, one flat
mapping of keys to labels each) and the choice of a page's language:
`?lang=` > the `agent_lang` cookie (set after login from the agent's stored choice) >
Accept-Language > en."""

from functools import cache
from typing import Any

import yaml
from babel.dates import get_day_names, get_month_names

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
    return {str(key): str(value) for key, value in data.items()} | date_names(lang)


def date_names(lang: str) -> dict[str, str]:
    """Month (as in "23 June") and weekday names from Babel's CLDR data: browsers' own Intl data
    lacks some of our languages (Chromium writes Azerbaijani dates as "2026 M12 5")."""
    locale = "en_GB" if lang == "en" else lang
    months = get_month_names("wide", "format", locale)
    days = get_day_names("abbreviated", "format", locale)  # 0 = Monday
    names = {f"date.month.{number}": str(name) for number, name in months.items()}
    names.update({f"date.weekday.{number}": str(name) for number, name in days.items()})
    return names


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
