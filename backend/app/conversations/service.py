"""Conversation transcripts (keyword-only data functions, one session each): the messages the
rasa server's event broker feeds in (each once), agents' messages and their delivery, a
conversation's or a complaint's transcript, and their erasure and purge."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from backend.app.complaints.models import Complaint
from backend.app.conversations.models import MAX_MESSAGE_CHARS, ConversationMessage, MessageRole, RasaEvent
from backend.app.handoff import service as handoff_service
from backend.app.handoff.models import CARD_SLOTS, OPEN_STATUSES, Handoff, clean_slot_value
from contract import pins

log = logging.getLogger(__name__)

# How many messages a transcript answer holds at most (newest kept).
TRANSCRIPT_LIMIT = 2000
# A complaint's PIN is stored only as a hash: six digits in a bot message are masked (the
# event broker masks them first, and also in a customer's answer to the PIN question).
_PIN = pins.PIN
PIN_MASK = pins.MASK


def last_message_times(*, session: Session, conversation_ids: Iterable[str]) -> dict[str, dt.datetime]:
    ids = list(set(conversation_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(ConversationMessage.conversation_id, sa.func.max(ConversationMessage.at))
        .where(col(ConversationMessage.conversation_id).in_(ids))
        .group_by(col(ConversationMessage.conversation_id))
    ).all()
    return {cid: at for cid, at in rows if at is not None}


def add_agent_message(
    *,
    session: Session,
    conversation_id: str,
    channel: str,
    agent_username: str,
    agent_name: str,
    text: str,
    now: dt.datetime,
) -> ConversationMessage:
    """An agent's message, in the transcript before it is sent (its delivery: mark_delivery)."""
    message = ConversationMessage(
        conversation_id=conversation_id,
        role=MessageRole.agent,
        # The customer gets the text as written; the transcript never keeps a PIN.
        text=_PIN.sub(PIN_MASK, text),
        at=now,
        stored_at=now,
        channel=channel,
        event_key=f"agent:{uuid.uuid4().hex}",
        agent_username=agent_username,
        agent_name=agent_name,
    )
    session.add(message)
    session.commit()
    return message


def mark_delivery(
    *, session: Session, message: ConversationMessage, delivered_at: dt.datetime | None, error: str | None
) -> ConversationMessage:
    message.delivered_at = delivered_at
    message.delivery_error = error
    session.add(message)
    session.commit()
    return message


def conversation_messages(
    *,
    session: Session,
    conversation_id: str,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = TRANSCRIPT_LIMIT,
) -> list[ConversationMessage]:
    statement = select(ConversationMessage).where(ConversationMessage.conversation_id == conversation_id)
    if since is not None:
        statement = statement.where(col(ConversationMessage.at) > since)
    if until is not None:
        statement = statement.where(col(ConversationMessage.at) <= until)
    newest = statement.order_by(col(ConversationMessage.at).desc(), col(ConversationMessage.id).desc()).limit(limit)
    return list(reversed(session.exec(newest).all()))


def complaint_transcript(*, session: Session, complaint: Complaint) -> list[ConversationMessage]:
    """The part of the complaint's conversation that belongs to it. One conversation (a Telegram
    chat) may bring several complaints: complaint i keeps the messages from the customer's first
    message after complaint i-1 was registered (from the start, for the first one) up to, not
    including, the customer's first message after complaint i was registered (to the end, for
    the latest one). So the bot's confirmation stays with the complaint it confirms."""
    if not complaint.conversation_id:
        return []
    ordered = session.exec(
        select(Complaint.id, Complaint.created_at)
        .where(Complaint.conversation_id == complaint.conversation_id)
        .order_by(col(Complaint.created_at), col(Complaint.id))
    ).all()
    index = next(i for i, (complaint_id, _at) in enumerate(ordered) if complaint_id == complaint.id)

    def customer_writes_again(after: dt.datetime) -> dt.datetime | None:
        first: dt.datetime | None = session.exec(
            select(sa.func.min(ConversationMessage.at)).where(
                ConversationMessage.conversation_id == complaint.conversation_id,
                col(ConversationMessage.role) == MessageRole.user,
                col(ConversationMessage.at) > after,
            )
        ).one()
        return first

    start = customer_writes_again(ordered[index - 1][1]) if index > 0 else None
    end = customer_writes_again(complaint.created_at) if index + 1 < len(ordered) else None
    if index > 0 and start is None:
        return []  # the customer has not written since the previous complaint
    statement = select(ConversationMessage).where(ConversationMessage.conversation_id == complaint.conversation_id)
    if start is not None:
        statement = statement.where(col(ConversationMessage.at) >= start)
    if end is not None:
        statement = statement.where(col(ConversationMessage.at) < end)
    newest = statement.order_by(col(ConversationMessage.at).desc(), col(ConversationMessage.id).desc())
    return list(reversed(session.exec(newest.limit(TRANSCRIPT_LIMIT)).all()))


def _event_key(event: RasaEvent) -> str:
    metadata = event.metadata or {}
    key = metadata.get("message_key")
    if event.event == "bot" and isinstance(key, str) and key.startswith("agent:"):
        return key[:64]
    raw = f"{event.sender_id}\x1f{event.event}\x1f{event.timestamp!r}\x1f{event.message_id}\x1f{event.text}"
    return "rasa:" + hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()[:59]


def _moment(timestamp: float | None, now: dt.datetime) -> dt.datetime:
    if timestamp is None:
        return now
    try:
        return dt.datetime.fromtimestamp(timestamp, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return now


@dataclass
class StoredEvents:
    messages: int
    conversations: set[str]


def store_rasa_events(*, session: Session, events: list[RasaEvent], now: dt.datetime) -> StoredEvents:
    """Customer and bot messages become conversation messages (each once); slot, pause and
    resume events update the conversation's open handoff."""
    rows: list[dict[str, Any]] = []
    touched: set[str] = set()
    channels = _latest_channels(session, {e.sender_id for e in events if e.event == "bot"})
    handoff_updates: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.event == "user" and event.input_channel:
            channels[event.sender_id] = event.input_channel
        if event.event in ("user", "bot"):
            row = _message_row(event, channels.get(event.sender_id), now)
            if row is not None:
                rows.append(row)
                touched.add(event.sender_id)
        elif event.event == "slot" and event.name in CARD_SLOTS:
            handoff_updates.setdefault(event.sender_id, {}).setdefault("slots", {})[event.name] = clean_slot_value(
                event.value
            )
        elif event.event == "pause":
            handoff_updates.setdefault(event.sender_id, {})["bot_paused"] = True
        elif event.event in ("resume", "restart"):
            handoff_updates.setdefault(event.sender_id, {})["bot_paused"] = False
    inserted = _insert_messages(session, rows)
    handoff_service.apply_conversation_events(session=session, updates=handoff_updates, now=now)
    session.commit()
    return StoredEvents(messages=inserted, conversations=touched | set(handoff_updates))


def _latest_channels(session: Session, conversation_ids: set[str]) -> dict[str, str]:
    """The channel each conversation last had a customer message on (bot events carry none)."""
    if not conversation_ids:
        return {}
    latest = (
        select(ConversationMessage.conversation_id, sa.func.max(ConversationMessage.id).label("last_id"))
        .where(
            col(ConversationMessage.conversation_id).in_(conversation_ids),
            col(ConversationMessage.role) == MessageRole.user,
        )
        .group_by(col(ConversationMessage.conversation_id))
        .subquery()
    )
    rows = session.exec(
        select(ConversationMessage.conversation_id, ConversationMessage.channel).join(
            latest, col(ConversationMessage.id) == latest.c.last_id
        )
    ).all()
    return {cid: channel for cid, channel in rows if channel}


def _message_row(event: RasaEvent, channel: str | None, now: dt.datetime) -> dict[str, Any] | None:
    # PostgreSQL refuses a NUL in a text column, and with it the whole batch.
    text = (event.text or "").replace("\x00", "").strip()
    metadata = event.metadata or {}
    extra: dict[str, Any] = {}
    if event.buttons:
        extra["buttons"] = [str(title)[:200] for title in event.buttons[:20]]
    attachments = metadata.get("attachments")
    if isinstance(attachments, list):
        extra["attachments"] = [
            {key: item.get(key) for key in ("id", "filename", "content_type", "size")}
            for item in attachments[:20]
            if isinstance(item, dict)
        ]
    if not text and not extra:
        return None
    if event.event == "user" and ((event.intent or "").startswith("EXTERNAL_") or text.startswith("EXTERNAL: ")):
        return None  # an intent the backend triggered, not something the customer said
    agent = metadata.get("agent") if event.event == "bot" else None
    if event.event == "bot" and not agent:
        text = _PIN.sub(PIN_MASK, text)
    role = MessageRole.user if event.event == "user" else MessageRole.agent if agent else MessageRole.bot
    return {
        "conversation_id": event.sender_id,
        "role": role,
        "text": text[:MAX_MESSAGE_CHARS],
        "at": _moment(event.timestamp, now),
        "stored_at": now,
        "channel": (event.input_channel or channel or None) and str(event.input_channel or channel)[:32],
        "event_key": _event_key(event),
        "agent_name": str(agent)[:200] if agent else None,
        "intent": event.intent if event.event == "user" else None,
        "extra": extra or None,
        "delivered_at": _moment(event.timestamp, now) if agent else None,
    }


def _insert_messages(session: Session, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    table = ConversationMessage.__table__  # type: ignore[attr-defined]
    if dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=["event_key"])
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=["event_key"])
    else:  # pragma: no cover - the two databases the backend runs on
        raise RuntimeError(f"unsupported database {dialect}")
    # executemany's rowcount is not reliable across drivers; RETURNING counts what went in.
    result = session.execute(statement.returning(table.c.id), rows)
    return len(result.all())


# --- privacy -----------------------------------------------------------------------------------


def erase_conversations(*, session: Session, conversation_ids: Iterable[str]) -> int:
    """For backend.app.privacy.service.erase (in its transaction, no commit): the conversations'
    messages go; their handoffs stay for the statistics (times, reason, channel, outcome)
    without the person (slots, conversation id, tracking number, notes). Returns the number of
    messages deleted."""
    ids = list(set(conversation_ids))
    if not ids:
        return 0
    deleted = session.exec(  # type: ignore[call-overload]
        sa.delete(ConversationMessage).where(col(ConversationMessage.conversation_id).in_(ids))
    )
    handoff_service.forget_conversations(session=session, conversation_ids=ids)
    return int(deleted.rowcount or 0)


def purge_unlinked_messages(*, session: Session, before: dt.datetime) -> int:
    """Deletes the messages of conversations that never led to a complaint and have been quiet
    since `before` (no message after it, no open handoff). Returns the number deleted."""
    linked = select(Complaint.conversation_id).where(col(Complaint.conversation_id).is_not(None))
    busy = select(ConversationMessage.conversation_id).where(col(ConversationMessage.at) >= before)
    open_ones = select(Handoff.conversation_id).where(col(Handoff.status).in_(OPEN_STATUSES))
    deleted = session.exec(  # type: ignore[call-overload]
        sa.delete(ConversationMessage).where(
            col(ConversationMessage.at) < before,
            col(ConversationMessage.conversation_id).not_in(linked),
            col(ConversationMessage.conversation_id).not_in(busy),
            col(ConversationMessage.conversation_id).not_in(open_ones),
        )
    )
    session.commit()
    return int(deleted.rowcount or 0)


def kept_conversations(*, session: Session, conversation_ids: Iterable[str]) -> set[str]:
    """Of these conversations, those the purge keeps: linked to a complaint, or with an open handoff."""
    ids = sorted(set(conversation_ids))
    kept: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        kept.update(session.exec(select(Complaint.conversation_id).where(col(Complaint.conversation_id).in_(chunk))))
        kept.update(
            session.exec(
                select(Handoff.conversation_id).where(
                    col(Handoff.conversation_id).in_(chunk), col(Handoff.status).in_(OPEN_STATUSES)
                )
            )
        )
    return kept
