"""Telegram Bot API updates in, reply keyboards out, with python-telegram-bot's types: an update
is read by `telegram.Update.de_json` (which refuses objects the Bot API would never send), a
keyboard is a `telegram.InlineKeyboardMarkup`. Pure functions, no rasa imports.

Only private chats are served: a complaint carries personal data, and a bot
added to a group must not collect it there. Edited messages, channel posts,
membership changes and the like are ignored; stickers, voice notes, locations
and other content without text go to Rasa as "unsupported", so the customer
is told in their language that there is nothing to read.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot, Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.constants import MessageLimit, UpdateType

from bot.channels.messages import (
    MEDIA,
    PAYLOAD,
    TEXT,
    UNSUPPORTED,
    Ignored,
    Inbound,
    Media,
    button_payload,
    button_title,
)
from contract import conversation_ids

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096, sendMessage's limit
MAX_CALLBACK_DATA = 64  # bytes
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile serves files up to 20 MB
TITLE_PREFIX = "t:"  # callback data carrying a button's title when its payload is too long

ALLOWED_UPDATES = [
    UpdateType.MESSAGE,
    UpdateType.EDITED_MESSAGE,
    UpdateType.CALLBACK_QUERY,
    UpdateType.CHANNEL_POST,
    UpdateType.MY_CHAT_MEMBER,
]
# Kinds of update that never carry a customer's message to the bot.
_IGNORED = ("edited_message", "channel_post", "edited_channel_post", "my_chat_member", "chat_member")


def _metadata(update_id: int, chat: Chat, user: User | None, message_id: int) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "telegram": {"chat_id": chat.id, "message_id": message_id, "update_id": update_id},
    }
    if user is not None and user.language_code:
        meta["language_code"] = user.language_code
    return meta


def _command(text: str) -> str:
    """/start (with or without a deep-link parameter or @botname) greets; other
    commands lose their slash, so Rasa reads them as words, not as an intent."""
    word = text.split(maxsplit=1)[0].split("@", 1)[0].lower()
    if word == "/start":
        return "/greet"
    return text.lstrip("/")


def parse_update(data: Any, bot: Bot | None = None) -> Inbound | Ignored:
    if not isinstance(data, dict):
        return Ignored("not an update")
    try:
        update = Update.de_json(data, bot)
    except Exception as exc:  # noqa: BLE001 - any malformed field (PTB raises AttributeError too): 200, no redelivery
        return Ignored(f"malformed update ({type(exc).__name__})")

    query = update.callback_query
    if query is not None:
        message = query.message
        chat = message.chat if message is not None else None
        if chat is None or chat.type != Chat.PRIVATE:
            return Ignored("callback outside a private chat")
        data_ = query.data or ""
        if not data_:
            return Ignored("callback without data")
        kind = PAYLOAD
        if data_.startswith(TITLE_PREFIX):
            data_, kind = data_[len(TITLE_PREFIX) :], TEXT
        meta = _metadata(update.update_id, chat, query.from_user, message.message_id)
        meta["telegram"]["callback_query_id"] = query.id
        return Inbound(
            conversation_ids.issued(conversation_ids.TELEGRAM, chat.id), kind, data_, f"tg-cb-{query.id}", meta
        )

    for key in _IGNORED:
        if getattr(update, key) is not None:
            return Ignored(key)
    message = update.message
    if message is None:
        return Ignored("no message")
    chat = message.chat
    if chat.type != Chat.PRIVATE:
        return Ignored(f"{chat.type or 'unknown'} chat")
    user = message.from_user
    if user is not None and user.is_bot:
        return Ignored("message from a bot")
    sender = conversation_ids.issued(conversation_ids.TELEGRAM, chat.id)
    meta = _metadata(update.update_id, chat, user, message.message_id)
    message_id = f"tg-{chat.id}-{message.message_id}"
    caption = message.caption or ""

    if message.text is not None:
        text = message.text
        if text.startswith("/"):
            return Inbound(
                sender, PAYLOAD if text.split()[0].lower() == "/start" else TEXT, _command(text), message_id, meta
            )
        return Inbound(sender, TEXT, text, message_id, meta)

    sizes = [p for p in message.photo if (p.file_size or 0) <= MAX_DOWNLOAD]
    if sizes:
        best = max(sizes, key=lambda p: (p.width * p.height, p.file_size or 0))
        media = Media(best.file_id, f"photo-{best.file_unique_id}.jpg", "image/jpeg", best.file_size)
        return Inbound(sender, MEDIA, caption, message_id, meta, (media,))

    document = message.document
    if document is not None and (document.file_size or 0) <= MAX_DOWNLOAD:
        media = Media(
            document.file_id,
            document.file_name or f"document-{document.file_unique_id}",
            document.mime_type or "application/octet-stream",
            document.file_size,
        )
        return Inbound(sender, MEDIA, caption, message_id, meta, (media,))

    # Sticker (its emoji is what the customer "said"), voice, video, location, contact,
    # a photo or document too big to fetch: nothing Rasa can read.
    emoji = message.sticker.emoji if message.sticker is not None else None
    return Inbound(sender, UNSUPPORTED, emoji or caption, message_id, meta)


def callback_data(button: dict[str, Any]) -> str:
    payload = button_payload(button)
    if len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA:
        return payload
    title = TITLE_PREFIX + button_title(button)
    encoded = title.encode("utf-8")[:MAX_CALLBACK_DATA]
    return encoded.decode("utf-8", "ignore")


def inline_keyboard(buttons: list[dict[str, Any]]) -> InlineKeyboardMarkup:
    """Buttons as an inline keyboard: short titles two a row, long ones alone."""
    rows: list[list[InlineKeyboardButton]] = []
    row: list[InlineKeyboardButton] = []
    for button in buttons:
        key = InlineKeyboardButton(button_title(button), callback_data=callback_data(button))
        if len(key.text) > 16:
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
    return InlineKeyboardMarkup(rows)
