"""The reports' labels in the console's five languages: the console's own (login, languages,
channels, fields; backend/texts/console) and the reports' (backend/texts/reports/<lang>.yml,
under `reports.`)."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from backend.app.core.settings import REPO_ROOT
from backend.app.workspace import i18n

TEXTS_DIR = REPO_ROOT / "backend" / "texts" / "reports"


@cache
def texts(lang: str) -> dict[str, str]:
    """Every label of one language (KeyError for a language the console does not speak)."""
    console = i18n.labels(lang)
    with (TEXTS_DIR / f"{lang}.yml").open(encoding="utf-8") as handle:
        own: Any = yaml.safe_load(handle)
    return {**console, **{f"reports.{key}": str(value) for key, value in own.items()}}
