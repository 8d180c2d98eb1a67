"""PINs: six digits, shown to the customer once and stored only as a hash (DESIGN.md). Wherever a
conversation is copied (the event broker, transcripts), six digits standing alone are masked."""

from __future__ import annotations

import re

DIGITS = 6
PIN = re.compile(rf"(?<!\d)(\d{{{DIGITS}}})(?!\d)")
MASK = "•" * DIGITS


def mask(text: str) -> str:
    return PIN.sub(MASK, text)
