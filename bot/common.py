"""Pieces every channel shares: the parsed inbound message, de-duplication,
per-customer ordering, text splitting and log redaction.

Nothing here imports rasa, sanic or aiohttp, so the parsing code built on it
is tested in the backend's environment as well as used inside the rasa server.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import traceback
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
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


class Deduper:
    """Remembers the last `size` ids seen; `seen(id)` is True for a repeat.

    Platforms retry deliveries they think failed (Meta does, Telegram does on
    non-2xx), so every channel drops an id it has already handled. Per process:
    with several rasa processes behind one address a retry can reach another one.
    """

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def seen(self, key: str | None) -> bool:
        if not key:
            return False
        if key in self._ids:
            self._ids.move_to_end(key)
            return True
        self._ids[key] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return False


class KeyedSerializer:
    """Runs background jobs one at a time per key (per customer), in arrival order.

    Channels that must answer the platform at once (Meta, Twilio) hand the work
    to this; two quick messages of one customer still reach Rasa in order.
    """

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}
        self._tasks: set[asyncio.Task] = set()

    def submit(self, key: str, job: Callable[[], Awaitable[Any]], on_error: Callable[[BaseException], None]) -> None:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1

        async def run() -> None:
            try:
                async with lock:
                    await job()
            except Exception as exc:  # noqa: BLE001 - one failed message must not kill the others
                on_error(exc)
            finally:
                self._waiting[key] -= 1
                if not self._waiting[key]:
                    self._waiting.pop(key, None)
                    self._locks.pop(key, None)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


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


class SecretRedactingFilter(logging.Filter):
    """Replaces secrets (bot tokens sit in Telegram's URLs) in every record that
    passes a handler, including formatted tracebacks."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("redact")
        self.secrets: set[str] = {s for s in secrets if s and len(s) >= 8}

    def add(self, secret: str) -> None:
        if secret and len(secret) >= 8:
            self.secrets.add(secret)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, "<redacted>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logged as is
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


_redactor = SecretRedactingFilter()


def redact_in_logs(secret: str) -> None:
    """Keeps `secret` out of every log line of this process (root handlers and
    the HTTP client loggers), and quiets the HTTP client loggers to WARNING."""
    _redactor.add(secret)
    root = logging.getLogger()
    for handler in root.handlers:
        if _redactor not in handler.filters:
            handler.addFilter(_redactor)
    for name in ("aiohttp", "aiohttp.client", "aiohttp.access", "urllib3", "httpx", "httpcore"):
        lg = logging.getLogger(name)
        if lg.level == logging.NOTSET or lg.level < logging.WARNING:
            lg.setLevel(logging.WARNING)
        if _redactor not in lg.filters:
            lg.addFilter(_redactor)


def log_id(value: Any) -> str:
    """A pseudonym for a sender id in logs: WhatsApp ids are phone numbers, so
    only a short hash is written (the same customer always gets the same one)."""
    return hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:10]
