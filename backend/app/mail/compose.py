"""Our letters' words and headers: one answer from all the bot's messages of a turn (buttons as
a "reply with" line, backend/texts/mail.yml), the subject in the thread with the tracking number,
and In-Reply-To / References that keep mail programs' threads together."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

from contract.tracking import TYPED

TEXTS_FILE = Path(__file__).resolve().parents[2] / "texts" / "mail.yml"
LANGUAGES = ("ru", "az", "ro", "tr")
# Reply prefixes mail programs write: English, German, Russian, Turkish, Azerbaijani, Romanian ("Răsp").
_REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|sv|ответ|отв|ynt|cvb|răsp|rasp)\s*(?:\[\d+\])?\s*:", re.IGNORECASE)
_BRACKETED_NUMBER = re.compile(r"^\s*\[[0-9A-Z]{4}-[0-9A-Z]{4}\]\s*")


@functools.cache
def texts() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    return data


def language_of(candidate: str | None, default: str) -> str:
    return candidate if candidate in LANGUAGES else (default if default in LANGUAGES else "ru")


def answer_text(
    messages: list[dict[str, Any]], language: str, *, limit_mb: int | None = None, files_refused: bool = False
) -> str:
    """The bot's messages, in order, one paragraph each; a message's buttons as the line under
    it. A letter over the size limit begins with what happened to its files."""
    words = texts()[language]
    paragraphs = []
    if limit_mb is not None:
        paragraphs.append(words["too_large"].format(limit_mb=limit_mb))
    elif files_refused:
        paragraphs.append(words["files_refused"])
    for message in messages:
        lines = [str(message.get("text") or "").strip()]
        titles = [str(button.get("title")) for button in message.get("buttons") or [] if button.get("title")]
        if titles:
            lines.append(words["buttons"].format(choices=" / ".join(titles)))
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


def tracking_number_in(subject: str | None) -> str | None:
    """The tracking number a subject carries in brackets ("[K7QM-4PXR] Re: ...")."""
    found = re.search(r"\[([^\[\]]{8,10})\]", subject or "")
    if not found:
        return None
    typed = TYPED.fullmatch(found.group(1).strip().upper())
    return f"{typed.group(1)}-{typed.group(2)}" if typed else None


def reply_subject(subject: str | None, language: str, tracking_number: str | None) -> str:
    """ "Re: <theirs>" (one Re:), "[K7QM-4PXR] Re: <theirs>" once there is a tracking number."""
    base = (subject or "").strip()
    while _REPLY_PREFIX.match(base) or _BRACKETED_NUMBER.match(base):
        # "Re: [K7QM-4PXR] Re: ..." as mail programs stack them: one Re: and one number.
        base = _BRACKETED_NUMBER.sub("", _REPLY_PREFIX.sub("", base, count=1), count=1).strip()
    base = f"Re: {base or texts()[language]['subject']}"
    return f"[{tracking_number}] {base}" if tracking_number else base


def references_after(references: str | None, message_id: str) -> list[str]:
    """The References of a letter answering one with these References and this Message-ID."""
    ids = (references or "").split()
    return [*ids, message_id] if message_id not in ids else ids
