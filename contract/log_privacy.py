"""No personal data in any log line: phone numbers (and the conversation ids made of them,
`wa:+994...`, `tg:123456789`), e-mail addresses and PINs are masked in every log record of the
process, its message, its arguments (access logs' paths) and its traceback.

Every process calls `install()` once (the backend's create_app, the rasa server's
bot.runtime.patches.install_all, the action server's actions package). It wraps the process's log
record factory rather than adding a filter to each handler, because the servers configure their
handlers after our code is imported (uvicorn's and Sanic's dictConfig replace them): a record is
masked as it is made, whichever handler writes it. `PersonalDataFilter` is the same masking as a
logging.Filter, for a handler of one's own."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote

from contract import pins

PHONE_MASK = "[phone]"
EMAIL_MASK = "[email]"
# Seven or more digits, maybe after + or 00, maybe split by spaces, dashes, dots or brackets:
# how customers type phone numbers, and the channels' ids (Telegram chats, WhatsApp numbers).
# A date (2026-03-18 12:00) is not one.
_PHONE = re.compile(r"(?<![\w])(?!\d{4}-\d\d-\d\d)\+?\(?\d(?:[\s().\-/+]{0,2}\d){6,}\)?(?!\w)")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# Record ids (attachments, notifications) are UUIDs, whose groups may be all digits: kept as they are.
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b|\b[0-9a-f]{32}\b")


def mask(text: str) -> str:
    """`text` without phone numbers, e-mail addresses and PINs (URL-encoded ones too)."""
    if "%" in text:
        text = unquote(text)  # /conversations/wa%3A%2B994.../tracker
    kept = _UUID.findall(text)
    parts = [_mask_free_text(part) for part in _UUID.split(text)]
    return "".join(part + (kept[i] if i < len(kept) else "") for i, part in enumerate(parts))


def _mask_free_text(text: str) -> str:
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _PHONE.sub(PHONE_MASK, text)
    return pins.mask(text)


def _mask_arg(value: Any) -> Any:
    return mask(value) if isinstance(value, str) else value


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Masks the record in place. String arguments are masked where they are, so that the
    record keeps its shape (uvicorn's access formatter unpacks its 5-tuple); when the message
    they make still holds personal data (a number, an object's text), the record becomes that
    message masked, without arguments. The traceback's text is masked too."""
    if isinstance(record.args, tuple):
        record.args = tuple(_mask_arg(value) for value in record.args)
    elif isinstance(record.args, dict):
        record.args = {key: _mask_arg(value) for key, value in record.args.items()}
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed call: logging reports it when it formats
        message = None
    if message is not None:
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = mask(record.stack_info)
    return record


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def install() -> None:
    """Every log record this process makes from now on is masked (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_personal_data", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(previous(*args, **kwargs))

    factory.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
