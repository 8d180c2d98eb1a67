"""Constants and small helpers of the channel tests."""

from __future__ import annotations

from tests.support.stack import Stack

TELEGRAM_TOKEN = "7000000001:AAH-test-token-for-the-fake-bot-api"
TELEGRAM_SECRET = "tg-webhook-secret-0123456789"
WHATSAPP_TOKEN = "EAAG-test-access-token"
WHATSAPP_APP_SECRET = "meta-app-secret-0123456789abcdef"
WHATSAPP_VERIFY_TOKEN = "meta-verify-token-42"
WHATSAPP_PHONE_ID = "106540352242922"
TWILIO_SID = "AC" + "0" * 30 + "01"
TWILIO_TOKEN = "twilio-auth-token-0123456789abcd"
TWILIO_NUMBER = "+14155238886"


def rasa_log(stack: Stack) -> str:
    return stack.processes["rasa"].log.read_text(errors="replace")
