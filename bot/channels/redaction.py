"""Logs without secrets or personal data: bot tokens redacted wherever they would appear (Telegram
puts them in every URL), sender ids written as pseudonyms (WhatsApp's are phone numbers).
No rasa imports."""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Iterable
from typing import Any

from contract import log_privacy


class SecretRedactingFilter(logging.Filter):
    """Replaces secrets (bot tokens sit in Telegram's URLs) in every record that
    passes a handler, including formatted tracebacks."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("redact")
        self.secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        if secret and len(secret) >= 8:
            self.secrets.add(secret)
            # The personal-data mask (contract/log_privacy.py) runs when a record is made, before
            # any handler's filter: a bot token's digits read as a phone number and are masked,
            # so the rest of the token must be found in that form too.
            self.secrets.add(log_privacy.mask(secret))

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
    only a short hash is written (the same customer always gets the same one). Written in the
    letters a-p, not hex: six hex digits in a row read as a PIN to the log mask, which hid them."""
    return hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:10].translate(_LETTERS)


_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")
