"""Constants and small helpers of the channel tests."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from stack import AGENT_TOKEN, ROOT, Stack  # noqa: E402,F401

from contract import tracking  # noqa: E402

TRACKING = tracking.IN_REPLY

TELEGRAM_TOKEN = "7000000001:AAH-test-token-for-the-fake-bot-api"
TELEGRAM_SECRET = "tg-webhook-secret-0123456789"
WHATSAPP_TOKEN = "EAAG-test-access-token"
WHATSAPP_APP_SECRET = "meta-app-secret-0123456789abcdef"
WHATSAPP_VERIFY_TOKEN = "meta-verify-token-42"
WHATSAPP_PHONE_ID = "106540352242922"
TWILIO_SID = "AC" + "0" * 30 + "01"
TWILIO_TOKEN = "twilio-auth-token-0123456789abcd"
TWILIO_NUMBER = "+14155238886"


def domain_texts(response: str) -> dict[str, str]:
    """The text of a response per language, from the domain."""
    for path in (ROOT / "domain.yml",):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        variations = (data.get("responses") or {}).get(response)
        if variations:
            return {
                c["value"]: v["text"]
                for v in variations
                for c in v.get("condition") or []
                if c.get("name") == "language"
            }
    raise KeyError(response)


def slot(stack: Stack, sender: str, name: str):
    return stack.tracker(sender)["slots"].get(name)


def rasa_log(stack: Stack) -> str:
    return stack.processes["rasa"].log.read_text(errors="replace")
