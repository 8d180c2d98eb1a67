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


def platform_env(fakes: dict) -> dict[str, str]:
    """The Telegram and WhatsApp (Meta) channels switched on, each pointed at its local fake."""
    return {
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": fakes["telegram"].url,
        "WHATSAPP_ACCESS_TOKEN": WHATSAPP_TOKEN,
        "WHATSAPP_APP_SECRET": WHATSAPP_APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": WHATSAPP_VERIFY_TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": WHATSAPP_PHONE_ID,
        "WHATSAPP_API_BASE_URL": fakes["graph"].url,
    }
