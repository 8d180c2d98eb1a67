"""The staff bot's aiogram handlers: /start CODE links the chat, /stop unlinks it, the alert
buttons (take, snooze) act as the linked agent, and an agent's text goes to the customer of the
alert it replies to, or of the one conversation the agent has. Only a chat linked to an active
agent is served; everyone else is told how to link. The work is done by staffbot.flows in a
worker thread (the console's own flows are synchronous)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from backend.app.staffbot import callbacks, flows
from backend.app.staffbot.flows import Answer, Context
from backend.app.staffbot.texts import text

log = logging.getLogger(__name__)


def _say(answer: Answer, lang: str | None) -> str:
    return text(answer.language or lang, f"bot.{answer.key}", **answer.values)


def _telegram_lang(user: Any) -> str | None:
    return getattr(user, "language_code", None)


def _lang(agent: Any, user: Any) -> str | None:
    """The console language the agent picked, else their Telegram's."""
    return getattr(agent, "language", None) or _telegram_lang(user)


async def start(message: Message, command: CommandObject, staffbot: Context) -> None:
    code = (command.args or "").strip()
    lang = _telegram_lang(message.from_user)
    if not code:
        agent = await asyncio.to_thread(flows.linked_agent, staffbot, message.chat.id)
        if agent is None:
            await message.answer(text(lang, "bot.start_help"))
        else:
            await message.answer(text(_lang(agent, message.from_user), "bot.linked", name=agent.display_name))
        return
    username = message.from_user.username if message.from_user else None
    answer = await asyncio.to_thread(flows.link, staffbot, code=code, chat_id=message.chat.id, username=username)
    await message.answer(_say(answer, lang))


async def stop(message: Message, staffbot: Context) -> None:
    agent = await asyncio.to_thread(flows.linked_agent, staffbot, message.chat.id)
    await asyncio.to_thread(flows.unlink, staffbot, chat_id=message.chat.id)
    await message.answer(text(_lang(agent, message.from_user), "bot.unlinked"))


def _referenced_handoff(message: Message | None) -> int | None:
    """The handoff an alert's buttons name: what a reply to that alert answers."""
    markup = getattr(message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", None) or []:
        for button in row:
            parsed = callbacks.unpack(button.callback_data)
            if parsed and parsed[0] in (callbacks.TAKE, callbacks.TAKEN):
                return parsed[1]
    return None


def _after_take(markup: InlineKeyboardMarkup | None, label: str, handoff_id: int | None) -> InlineKeyboardMarkup:
    """The alert's keyboard once taken: who has it (carrying the handoff, for replies) and the
    console link; take and snooze are spent."""
    row: list[InlineKeyboardButton] = []
    data = callbacks.pack(callbacks.TAKEN, handoff_id) if handoff_id else "noop"
    row.append(InlineKeyboardButton(text=f"✓ {label}", callback_data=data))
    for old_row in getattr(markup, "inline_keyboard", None) or []:
        row.extend(button for button in old_row if button.url)
    return InlineKeyboardMarkup(inline_keyboard=[row])


async def button(query: CallbackQuery, staffbot: Context) -> None:
    chat_id = query.message.chat.id if query.message else query.from_user.id
    agent = await asyncio.to_thread(flows.linked_agent, staffbot, chat_id)
    if agent is None:
        await query.answer(text(_telegram_lang(query.from_user), "bot.not_linked"), show_alert=True)
        return
    parsed = callbacks.unpack(query.data)
    if parsed is None:
        await query.answer()
        return
    action, ident = parsed
    lang = _lang(agent, query.from_user)
    if action == callbacks.SNOOZE:
        answer = await asyncio.to_thread(flows.snooze, staffbot, agent=agent, alert_id=ident)
        await query.answer(_say(answer, lang), show_alert=not answer.ok)
        return
    if action == callbacks.TAKEN:
        await query.answer()  # a label showing who has it
        return
    if action == callbacks.TAKE:
        answer = await asyncio.to_thread(flows.take_handoff, staffbot, agent=agent, handoff_id=ident)
    else:
        answer = await asyncio.to_thread(flows.take_complaint, staffbot, agent=agent, complaint_id=ident)
    await query.answer(_say(answer, lang), show_alert=not answer.ok)
    if answer.taken_by is None or not isinstance(query.message, Message):
        return
    # The alert says who took it, for everyone who looks at it later.
    label = text(lang, "bot.assigned_to" if action == callbacks.ASSIGN else "bot.taken_by", name=answer.taken_by)
    body = query.message.text or ""
    try:
        await query.message.edit_text(
            f"{body}\n\n✓ {label}" if body else f"✓ {label}",
            reply_markup=_after_take(query.message.reply_markup, label, answer.handoff_id),
        )
    except Exception as exc:  # noqa: BLE001 - the take itself happened; the edit is cosmetic
        log.info("staff telegram: alert not edited after take (%s)", type(exc).__name__)


async def reply(message: Message, staffbot: Context) -> None:
    agent = await asyncio.to_thread(flows.linked_agent, staffbot, message.chat.id)
    if agent is None:
        await message.answer(text(_telegram_lang(message.from_user), "bot.not_linked"))
        return
    lang = _lang(agent, message.from_user)
    replied = message.reply_to_message
    if replied is not None and replied.reply_markup is not None:
        # A reply to an alert: its conversation, or none (a complaint's alert) - never a guess.
        handoff_id = _referenced_handoff(replied)
    else:
        # Plain text, or a reply to the bot's "sent": the one conversation the agent has.
        handoff_id = await asyncio.to_thread(flows.held_handoff, staffbot, agent=agent)
    if handoff_id is None:
        await message.answer(text(lang, "bot.which"))
        return
    answer = await asyncio.to_thread(flows.reply, staffbot, agent=agent, handoff_id=handoff_id, text=message.text or "")
    await message.reply(_say(answer, lang))


async def anything_else(message: Message, staffbot: Context) -> None:
    """Photos, stickers, voice: the staff bot carries text only."""
    agent = await asyncio.to_thread(flows.linked_agent, staffbot, message.chat.id)
    await message.answer(text(_lang(agent, message.from_user), "bot.which" if agent else "bot.not_linked"))


def make_router() -> Router:
    """A Router per Dispatcher (aiogram attaches a router to one only): one per app."""
    router = Router(name="staffbot")
    router.message.register(start, CommandStart())
    router.message.register(stop, Command("stop"))
    router.callback_query.register(button)
    router.message.register(reply, F.text)
    router.message.register(anything_else)
    return router
