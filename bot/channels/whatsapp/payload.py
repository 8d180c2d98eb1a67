"""WhatsApp Cloud API (Meta) webhook bodies in, Graph API message bodies out
(pure functions).

Inbound: entry[].changes[].value.messages[] (text, interactive
button_reply/list_reply, template quick-reply buttons, image/document media);
value.statuses[] are delivery receipts and are dropped.
Outbound: up to 3 buttons as reply buttons, up to 10 as a list, more as text.
"""

from __future__ import annotations

from typing import Any

from bot.channels.messages import (
    MEDIA,
    PAYLOAD,
    TEXT,
    UNSUPPORTED,
    Inbound,
    Media,
    button_payload,
    button_title,
    split_text,
    truncate,
)
from contract import conversation_ids

MAX_TEXT = 4096
MAX_INTERACTIVE_BODY = 1024
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_ROW_TITLE = 24
MAX_ROW_ID = 200
MAX_ROWS = 10
# The list message's opening button needs a label; a glyph, so no language is assumed.
LIST_BUTTON_LABEL = "\u2630"

_MEDIA_TYPES = ("image", "document")
_IGNORED_TYPES = ("reaction", "system", "request_welcome", "order")


def parse_webhook(body: dict[str, Any], phone_number_id: str = "") -> list[Inbound]:
    """Every customer message in a webhook body; receipts and other numbers' traffic dropped."""
    found: list[Inbound] = []
    if not isinstance(body, dict) or body.get("object") not in (None, "whatsapp_business_account"):
        return found
    for entry in body.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            if (change or {}).get("field", "messages") != "messages":
                continue
            value = change.get("value") or {}
            number = str((value.get("metadata") or {}).get("phone_number_id") or "")
            if phone_number_id and number and number != phone_number_id:
                continue
            for message in value.get("messages") or []:
                inbound = parse_message(message)
                if inbound is not None:
                    found.append(inbound)
    return found


def parse_message(message: dict[str, Any]) -> Inbound | None:
    if not isinstance(message, dict) or not message.get("from"):
        return None
    sender = conversation_ids.issued(conversation_ids.WHATSAPP, message["from"])
    message_id = message.get("id")
    kind = message.get("type")
    meta: dict[str, Any] = {"whatsapp": {"message_id": message_id, "timestamp": message.get("timestamp")}}

    if kind == "text":
        return Inbound(sender, TEXT, str((message.get("text") or {}).get("body") or ""), message_id, meta)
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get(interactive.get("type") or "") or {}
        if interactive.get("type") in ("button_reply", "list_reply") and reply.get("id"):
            return Inbound(sender, *_choice(str(reply["id"]), str(reply.get("title") or "")), message_id, meta)
        return None
    if kind == "button":  # a template's quick-reply button
        button = message.get("button") or {}
        return Inbound(
            sender, *_choice(str(button.get("payload") or ""), str(button.get("text") or "")), message_id, meta
        )
    if kind in _MEDIA_TYPES:
        item = message.get(kind) or {}
        if item.get("id"):
            mime = item.get("mime_type") or "application/octet-stream"
            filename = item.get("filename") or f"{kind}-{item['id']}{_extension(mime)}"
            media = Media(str(item["id"]), filename, mime)
            return Inbound(sender, MEDIA, str(item.get("caption") or ""), message_id, meta, (media,))
    if kind in _IGNORED_TYPES:
        return None
    # sticker, audio/voice, video, location, contacts, unsupported...
    return Inbound(sender, UNSUPPORTED, "", message_id, meta)


def _choice(reply_id: str, title: str) -> tuple[str, str]:
    """A pressed button: its id is the Rasa payload we sent, or its title when the payload was too long."""
    if reply_id.startswith("/"):
        return PAYLOAD, reply_id
    return TEXT, title or reply_id


def _extension(mime: str) -> str:
    return {
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "image/webp": ".webp",
        "application/pdf": ".pdf",
    }.get(mime.split(";")[0].strip(), "")


def _reply_id(button: dict[str, Any], limit: int) -> str:
    payload = button_payload(button)
    return payload if len(payload) <= limit else button_title(button)[:limit]


def text_messages(to: str, text: str) -> list[dict[str, Any]]:
    return [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"preview_url": False, "body": piece},
        }
        for piece in split_text(text, MAX_TEXT)
    ]


def button_messages(to: str, text: str, buttons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reply buttons (<= 3), a list (<= 10), else the text with the choices as lines."""
    if not buttons:
        return text_messages(to, text)
    pieces = split_text(text, MAX_TEXT)
    body = pieces[-1] if pieces else ""
    leading = [m for piece in pieces[:-1] for m in text_messages(to, piece)]
    if not body or len(body) > MAX_INTERACTIVE_BODY or len(buttons) > MAX_ROWS:
        lines = "\n".join(f"• {button_title(b)}" for b in buttons)
        return text_messages(to, f"{text}\n\n{lines}" if text.strip() else lines)
    if len(buttons) <= 3:
        action: dict[str, Any] = {
            "buttons": [
                {
                    "type": "reply",
                    "reply": {"id": _reply_id(b, MAX_BUTTON_ID), "title": truncate(button_title(b), MAX_BUTTON_TITLE)},
                }
                for b in buttons
            ]
        }
        kind = "button"
    else:
        action = {
            "button": LIST_BUTTON_LABEL,
            "sections": [
                {
                    "rows": [
                        {"id": _reply_id(b, MAX_ROW_ID), "title": truncate(button_title(b), MAX_ROW_TITLE)}
                        for b in buttons
                    ]
                }
            ],
        }
        kind = "list"
    return leading + [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "interactive",
            "interactive": {"type": kind, "body": {"text": body}, "action": action},
        }
    ]


def image_message(to: str, url: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "image",
        "image": {"link": url},
    }
