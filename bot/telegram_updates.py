"""Telegram Bot API updates in, Bot API request bodies out (pure functions).

Only private chats are served: a complaint carries personal data, and a bot
added to a group must not collect it there. Edited messages, channel posts,
membership changes and the like are ignored; stickers, voice notes, locations
and other content without text go to Rasa as "unsupported", so the customer
is told in their language that there is nothing to read.
"""

from __future__ import annotations

from typing import Any

from bot.common import MEDIA, PAYLOAD, TEXT, UNSUPPORTED, Ignored, Inbound, Media, button_payload, button_title

MAX_TEXT = 4096  # sendMessage text limit
MAX_CALLBACK_DATA = 64  # bytes
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile serves files up to 20 MB
TITLE_PREFIX = "t:"  # callback data carrying a button's title when its payload is too long

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "channel_post", "my_chat_member"]


def _metadata(update_id: Any, chat: dict, user: dict | None, message_id: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "telegram": {"chat_id": chat.get("id"), "message_id": message_id, "update_id": update_id},
    }
    language = (user or {}).get("language_code")
    if language:
        meta["language_code"] = language
    return meta


def _command(text: str) -> str:
    """/start (with or without a deep-link parameter or @botname) greets; other
    commands lose their slash, so Rasa reads them as words, not as an intent."""
    word = text.split(maxsplit=1)[0].split("@", 1)[0].lower()
    if word == "/start":
        return "/greet"
    return text.lstrip("/")


def parse_update(update: dict[str, Any]) -> Inbound | Ignored:
    if not isinstance(update, dict):
        return Ignored("not an update")
    update_id = update.get("update_id")

    if "callback_query" in update:
        query = update["callback_query"] or {}
        message = query.get("message") or {}
        chat = message.get("chat") or {}
        if chat.get("type") != "private":
            return Ignored("callback outside a private chat")
        data = str(query.get("data") or "")
        if not data:
            return Ignored("callback without data")
        kind = PAYLOAD
        if data.startswith(TITLE_PREFIX):
            data, kind = data[len(TITLE_PREFIX) :], TEXT
        meta = _metadata(update_id, chat, query.get("from"), message.get("message_id"))
        meta["telegram"]["callback_query_id"] = query.get("id")
        return Inbound(str(chat["id"]), kind, data, f"tg-cb-{query.get('id')}", meta)

    for key in ("edited_message", "channel_post", "edited_channel_post", "my_chat_member", "chat_member"):
        if key in update:
            return Ignored(key)
    message = update.get("message")
    if not isinstance(message, dict):
        return Ignored("no message")
    chat = message.get("chat") or {}
    if chat.get("type") != "private" or "id" not in chat:
        return Ignored(f"{chat.get('type') or 'unknown'} chat")
    user = message.get("from") or {}
    if user.get("is_bot"):
        return Ignored("message from a bot")
    sender = str(chat["id"])
    meta = _metadata(update_id, chat, user, message.get("message_id"))
    message_id = f"tg-{chat['id']}-{message.get('message_id')}"
    caption = str(message.get("caption") or "")

    if isinstance(message.get("text"), str):
        text = message["text"]
        if text.startswith("/"):
            return Inbound(
                sender, PAYLOAD if text.split()[0].lower() == "/start" else TEXT, _command(text), message_id, meta
            )
        return Inbound(sender, TEXT, text, message_id, meta)

    if message.get("photo"):
        sizes = [p for p in message["photo"] if (p.get("file_size") or 0) <= MAX_DOWNLOAD]
        if sizes:
            best = max(sizes, key=lambda p: (p.get("width", 0) * p.get("height", 0), p.get("file_size") or 0))
            media = Media(
                best["file_id"],
                f"photo-{best.get('file_unique_id', best['file_id'][:16])}.jpg",
                "image/jpeg",
                best.get("file_size"),
            )
            return Inbound(sender, MEDIA, caption, message_id, meta, (media,))

    document = message.get("document")
    if isinstance(document, dict) and document.get("file_id"):
        if (document.get("file_size") or 0) <= MAX_DOWNLOAD:
            media = Media(
                document["file_id"],
                document.get("file_name") or f"document-{document.get('file_unique_id', 'file')}",
                document.get("mime_type") or "application/octet-stream",
                document.get("file_size"),
            )
            return Inbound(sender, MEDIA, caption, message_id, meta, (media,))

    # Sticker (its emoji is what the customer "said"), voice, video, location, contact,
    # a photo or document too big to fetch: nothing Rasa can read.
    sticker = message.get("sticker") or {}
    return Inbound(sender, UNSUPPORTED, str(sticker.get("emoji") or caption), message_id, meta)


def callback_data(button: dict[str, Any]) -> str:
    payload = button_payload(button)
    if len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA:
        return payload
    title = TITLE_PREFIX + button_title(button)
    encoded = title.encode("utf-8")[:MAX_CALLBACK_DATA]
    return encoded.decode("utf-8", "ignore")


def inline_keyboard(buttons: list[dict[str, Any]]) -> dict[str, Any]:
    """Buttons as an inline keyboard: short titles two a row, long ones alone."""
    rows: list[list[dict[str, str]]] = []
    row: list[dict[str, str]] = []
    for button in buttons:
        key = {"text": button_title(button), "callback_data": callback_data(button)}
        if len(key["text"]) > 16:
            if row:
                rows.append(row)
                row = []
            rows.append([key])
            continue
        row.append(key)
        if len(row) == 2:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return {"inline_keyboard": rows}
