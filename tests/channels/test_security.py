"""Unit tests of the webhook checks, de-duplication, ordering and log redaction."""

from __future__ import annotations

import asyncio
import logging

from bot.channels.ordering import Deduper, KeyedSerializer
from bot.channels.redaction import SecretRedactingFilter, log_id
from bot.channels.signatures import meta_signature_ok, telegram_secret_ok, verify_token_ok
from contract import log_privacy
from contract.log_privacy import mask_record
from tests.support.whatsapp import meta_sign


def test_telegram_secret_token():
    assert telegram_secret_ok("s3cret-token", "s3cret-token")
    assert not telegram_secret_ok("s3cret-token", "s3cret-tokeN")
    assert not telegram_secret_ok("s3cret-token", None)
    assert not telegram_secret_ok("", "")  # no secret configured: nothing is accepted
    assert not telegram_secret_ok("", "anything")


def test_meta_signature_over_the_raw_body():
    raw = '{"object":"whatsapp_business_account","text":"Здравствуйте"}'.encode()
    good = meta_sign("app-secret", raw)
    assert meta_signature_ok("app-secret", raw, good)
    assert meta_signature_ok("app-secret", raw, good.upper().replace("SHA256=", "sha256="))
    assert not meta_signature_ok("app-secret", raw + b" ", good)  # re-serialised bodies do not pass
    assert not meta_signature_ok("other-secret", raw, good)
    assert not meta_signature_ok("app-secret", raw, good[7:])  # without the sha256= prefix
    assert not meta_signature_ok("app-secret", raw, None)
    assert not meta_signature_ok("", raw, meta_sign("", raw))  # no app secret configured
    assert not meta_signature_ok("app-secret", raw, "sha256=ключ")


def test_verify_token():
    assert verify_token_ok("v-token", "v-token")
    assert not verify_token_ok("v-token", "v-toke")
    assert not verify_token_ok("", "")


def test_deduper_forgets_the_oldest():
    seen = Deduper(size=2)
    assert not seen.seen("a") and not seen.seen("b") and seen.seen("a")
    assert not seen.seen("c")  # evicts b (a was used more recently)
    assert not seen.seen("b") and not seen.seen(None) and not seen.seen(None)


def test_keyed_serializer_keeps_each_customers_order_and_survives_failures():
    async def scenario() -> tuple[list[str], list[str]]:
        queue, done, errors = KeyedSerializer(), [], []

        def job(name: str, delay: float, fail: bool = False):
            async def run() -> None:
                await asyncio.sleep(delay)
                if fail:
                    raise RuntimeError(name)
                done.append(name)

            return run

        queue.submit("alice", job("alice-1", 0.05), lambda e: errors.append(str(e)))
        queue.submit("alice", job("alice-2", 0.0, fail=True), lambda e: errors.append(str(e)))
        queue.submit("alice", job("alice-3", 0.0), lambda e: errors.append(str(e)))
        queue.submit("bob", job("bob-1", 0.01), lambda e: errors.append(str(e)))
        await queue.drain()
        return done, errors

    done, errors = asyncio.run(scenario())
    assert [d for d in done if d.startswith("alice")] == ["alice-1", "alice-3"]
    assert done.index("bob-1") < done.index("alice-1")  # bob does not wait for alice
    assert errors == ["alice-2"]


def test_secrets_are_redacted_from_messages_and_tracebacks():
    token = "7000000001:AAH-secret-token"
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep()
    handler.addFilter(SecretRedactingFilter([token]))
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("GET https://api.telegram.org/bot%s/getMe failed", token)
        try:
            raise RuntimeError(f"connection to /bot{token}/sendMessage refused")
        except RuntimeError:
            logger.exception("send failed")
    finally:
        logger.removeHandler(handler)
    assert records and all(token not in r for r in records)
    assert "<redacted>" in records[0] and "<redacted>" in records[1]


def test_log_id_is_a_stable_pseudonym():
    assert log_id("994501234567") == log_id("994501234567")
    assert "994501234567" not in log_id("994501234567") and len(log_id("x")) == 10


def test_log_id_survives_the_personal_data_mask():
    # Hex pseudonyms with six digits in a row were masked as PINs and could not be found in the log.
    ids = [log_id(f"tg:{n}") for n in range(3000)]
    assert all(log_privacy.mask(i) == i for i in ids)
    assert len(set(ids)) == len(ids)


def test_a_token_is_redacted_after_the_personal_data_mask_made_its_digits_a_phone():
    """The record factory of contract/log_privacy.py masks when the record is made, before the
    handler's redaction: the token's secret half must not survive in the masked line."""
    token = "7000000001:AAH-secret-token"
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep()
    handler.addFilter(SecretRedactingFilter([token]))
    logger = logging.getLogger("test.redaction.masked")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        record = logger.makeRecord(logger.name, logging.WARNING, __file__, 0, "GET /bot%s/getMe", (token,), None)
        logger.handle(mask_record(record))
    finally:
        logger.removeHandler(handler)
    assert records and "AAH-secret-token" not in records[0] and "<redacted>" in records[0]
