"""What every channel's parsing and rendering shares: the platform-neutral inbound message, and
the reply text cut to a platform's limits with buttons' titles and payloads.

Nothing here imports rasa, sanic or aiohttp, so the parsing code built on it
is tested in the backend's environment as well as used inside the rasa server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# What a channel sends Rasa for a file without a caption, when the domain has the intent.
ATTACHMENT_INTENT = "attachment_received"

# Kinds of inbound message.
TEXT = "text"
PAYLOAD = "payload"  # a pressed button: text is the button's payload
MEDIA = "media"  # photo or document, optional caption in text
UNSUPPORTED = "unsupported"  # sticker, voice, location...: Rasa answers it has nothing to read


@dataclass(frozen=True)
class Media:
    """A file the customer sent, as the platform names it (fetched later)."""

    ref: str  # Telegram file_id, WhatsApp media id, Twilio media URL
    filename: str
    content_type: str = "application/octet-stream"
    size: int | None = None


@dataclass(frozen=True)
class Inbound:
    """One customer message, platform-neutral, ready to become a rasa UserMessage."""

    sender_id: str
    kind: str
    text: str = ""
    message_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    media: tuple[Media, ...] = ()


@dataclass(frozen=True)
class Ignored:
    """An update the channel deliberately drops (edited message, group chat...)."""

    reason: str


def split_text(text: str, limit: int) -> list[str]:
    """Cuts a reply into pieces of at most `limit` characters, at paragraph,
    line or word boundaries when possible."""
    text = text.strip()
    if not text:
        return []
    pieces: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def button_payload(button: dict[str, Any]) -> str:
    return str(button.get("payload") or button.get("title") or "")


def button_title(button: dict[str, Any]) -> str:
    return str(button.get("title") or button.get("payload") or "")


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
