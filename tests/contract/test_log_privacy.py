"""contract.log_privacy: no phone number, e-mail address or PIN in a log line, whichever logger or
handler writes it (access logs' paths, arguments, tracebacks), while the rest stays readable."""

from __future__ import annotations

import io
import logging

import pytest

from contract import log_privacy
from contract.log_privacy import mask


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("POST /conversations/wa:+994501234567/tracker/events", "POST /conversations/wa:[phone]/tracker/events"),
        ("GET /conversations/wa%3A%2B994501234567/tracker", "GET /conversations/wa:[phone]/tracker"),
        ("GET /api/complaints?q=050+123+45+67", "GET /api/complaints?q=[phone]"),
        ("Меня зовут Фарид, 051 777 20 30", "Меня зовут Фарид, [phone]"),
        ("+994 (50) 123-45-67 / 00994501234567", "[phone] / [phone]"),
        ("tg:123456789 wrote", "tg:[phone] wrote"),
        ("mail Ali.Mammadov@Example.az now", "mail [email] now"),
        ("PIN 482913", "PIN ••••••"),
    ],
)
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize(
    "text",
    ["deadline 2026-03-18 12:00:00", "127.0.0.1:54321 - 200", "K7QM-4PXR", "message_id=ab12345678cd took 12 ms"],
)
def test_what_is_not_personal_stays(text: str) -> None:
    assert mask(text) == text


def test_every_record_of_the_process_is_masked_whichever_handler_writes_it() -> None:
    log_privacy.install()
    log_privacy.install()  # idempotent
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # a handler added after install, as Sanic's dictConfig does
    logger = logging.getLogger("test.log_privacy")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        # uvicorn.access: (client, method, path, version, status); the status stays an int.
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/c/wa:+994501234567", "1.1", 200)
        logger.warning("customer %s, PIN %s", {"email": "a.b@example.com"}, 482913)
        try:
            raise ValueError("bad phone 050 123 45 67")
        except ValueError:
            logger.exception("failed for %s", "tg:123456789")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert "/c/wa:[phone]" in written and '" 200' in written
    assert "[email]" in written and "bad phone [phone]" in written and "tg:[phone]" in written
    for secret in ("994501234567", "a.b@example.com", "050 123 45 67", "123456789", "482913"):
        assert secret not in written


def test_the_filter_masks_a_record_for_a_handler_of_ones_own() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "call %s", ("+994501234567",), None)
    assert log_privacy.PersonalDataFilter().filter(record) and record.getMessage() == "call [phone]"


def test_record_ids_are_kept_even_when_a_group_is_all_digits():
    from contract.log_privacy import mask

    line = "attachment stored id=2a1817fe-005a-43e3-b71a-838666953979 by +994 50 123 45 67"
    assert mask(line) == "attachment stored id=2a1817fe-005a-43e3-b71a-838666953979 by [phone]"
    assert mask("id=12345678-1234-1234-1234-123456789012") == "id=12345678-1234-1234-1234-123456789012"
