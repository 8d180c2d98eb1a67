"""Webhook authenticity checks, all in constant time.

Twilio's check uses twilio's own RequestValidator (inside the rasa
environment); see bot/channels/twilio/channel.py.
"""

from __future__ import annotations

import hashlib
import hmac

TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
META_SIGNATURE_HEADER = "X-Hub-Signature-256"
TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"


def telegram_secret_ok(expected: str, received: str | None) -> bool:
    """Telegram repeats the secret given to setWebhook in a header on every update.
    Without a configured secret nothing is accepted."""
    if not expected or not received:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8"))


def meta_signature(app_secret: str, raw_body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()


def meta_signature_ok(app_secret: str, raw_body: bytes, header: str | None) -> bool:
    """`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body keyed with the app secret>`."""
    if not app_secret or not header:
        return False
    expected = meta_signature(app_secret, raw_body)
    return hmac.compare_digest(expected.encode("ascii"), header.strip().lower().encode("ascii", "replace"))


def verify_token_ok(expected: str, received: str | None) -> bool:
    if not expected or not received:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8"))
