"""Twilio's WhatsApp webhook form in, Messages API form out (pure functions).

Inbound fields: From ("whatsapp:+994...", the conversation `tw:+994...`), Body, MessageSid, NumMedia with
MediaUrl<i>/MediaContentType<i>, ButtonPayload/ButtonText for a template's
quick-reply button. Free-form WhatsApp messages through Twilio cannot carry
buttons, so choices are sent as lines under the text (the customer types or
copies one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.channels.messages import MEDIA, PAYLOAD, TEXT, UNSUPPORTED, Inbound, Media, button_title, split_text
from contract import conversation_ids

MAX_BODY = 1600
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf", "image/webp": ".webp"}


def _first(form: Mapping[str, Any], key: str) -> str:
    value = form.get(key)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value or "")


def address(number: str) -> str:
    """Twilio's WhatsApp address of a number (`whatsapp:+994...`)."""
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"


def parse_form(form: Mapping[str, Any]) -> Inbound | None:
    number = _first(form, "From").removeprefix("whatsapp:")
    if not number:
        return None
    sender = conversation_ids.issued(conversation_ids.TWILIO, number)
    message_id = _first(form, "MessageSid") or _first(form, "SmsMessageSid") or None
    meta: dict[str, Any] = {"twilio": {"message_sid": message_id}}
    button = _first(form, "ButtonPayload")
    if button:
        return Inbound(
            sender,
            PAYLOAD if button.startswith("/") else TEXT,
            button if button.startswith("/") else (_first(form, "ButtonText") or button),
            message_id,
            meta,
        )
    body = _first(form, "Body")
    try:
        count = min(int(_first(form, "NumMedia") or 0), 10)
    except ValueError:
        count = 0
    media = []
    for i in range(count):
        url = _first(form, f"MediaUrl{i}")
        if not url:
            continue
        mime = _first(form, f"MediaContentType{i}") or "application/octet-stream"
        name = url.rstrip("/").rsplit("/", 1)[-1] or f"media{i}"
        media.append(Media(url, f"{name}{_EXTENSIONS.get(mime, '')}", mime))
    if media:
        return Inbound(sender, MEDIA, body, message_id, meta, tuple(media))
    if body:
        return Inbound(sender, TEXT, body, message_id, meta)
    # location, a contact card, or media Twilio did not forward
    return Inbound(sender, UNSUPPORTED, "", message_id, meta)


def message_forms(from_address: str, to: str, text: str, buttons: list[dict[str, Any]] | None = None) -> list[dict]:
    if buttons:
        lines = "\n".join(f"• {button_title(b)}" for b in buttons)
        text = f"{text}\n\n{lines}" if text.strip() else lines
    return [{"From": from_address, "To": to, "Body": piece} for piece in split_text(text, MAX_BODY)]
