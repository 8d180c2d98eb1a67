"""The staff bot's words in the agent's language: the `telegram.*` labels of the console's
label files (backend/texts/console/<lang>.yml), so an agent reads the bot in the language they
picked for the console."""

from __future__ import annotations

from backend.app.workspace import i18n


def language_of(wanted: str | None) -> str:
    return wanted if wanted in i18n.LANGUAGES else i18n.DEFAULT


def text(lang: str | None, key: str, **values: object) -> str:
    label = i18n.labels(language_of(lang))[f"telegram.{key}"]
    return label.format(**values) if values else label
