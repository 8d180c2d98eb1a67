"""Handoff data functions (keyword-only, one session each, as in crud.py): the queue, taking,
passing on and closing a handoff, and the conversation messages the event broker feeds in."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.app.complaints.models import Complaint
from backend.app.handoff.models import (
    CARD_SLOTS,
    MAX_MESSAGE_CHARS,
    OPEN_STATUSES,
    ConversationMessage,
    Handoff,
    HandoffCreate,
    HandoffOutcome,
    HandoffStatus,
    MessageRole,
    RasaEvent,
    clean_slot_value,
)
from backend.app.policies.profile import PolicyProfile
from backend.app.policies.working_hours import availability

log = logging.getLogger(__name__)

# How many messages a transcript answer holds at most (newest kept).
TRANSCRIPT_LIMIT = 2000
# A complaint's PIN is stored only as a hash: six digits in a bot message are masked (the
# event broker masks them first, and also in a customer's answer to the PIN question).
_PIN = re.compile(r"(?<!\d)\d{6}(?!\d)")
PIN_MASK = "••••••"


class HandoffConflict(Exception):
    """The handoff is not in a state that allows this (taken by someone else, closed...)."""


class NotYours(Exception):
    """Only the agent who has the conversation (or a supervisor) may do this."""


@dataclass(frozen=True)
class Actor:
    """Who acts in the console: an account's username and display name, or the built-in
    AGENT_TOKEN ("agent"); supervisors and admins may act on anybody's conversation."""

    username: str
    display_name: str
    supervisor: bool = False


# --- the queue ---------------------------------------------------------------------------------


def get_handoff(*, session: Session, handoff_id: int) -> Handoff | None:
    return session.get(Handoff, handoff_id)


def get_open_handoff(*, session: Session, conversation_id: str) -> Handoff | None:
    return session.exec(select(Handoff).where(Handoff.open_conversation_id == conversation_id)).first()


def list_handoffs(
    *, session: Session, statuses: Iterable[HandoffStatus], limit: int = 200, offset: int = 0
) -> list[Handoff]:
    """Open ones: waiting first, oldest request first (the queue's order), then the active ones.
    With closed ones asked for: newest request first."""
    wanted = list(statuses)
    statement = select(Handoff).where(col(Handoff.status).in_(wanted))
    if HandoffStatus.closed in wanted:
        statement = statement.order_by(col(Handoff.requested_at).desc(), col(Handoff.id).desc())
    else:
        waiting_first = sa.case((col(Handoff.status) == HandoffStatus.waiting, 0), else_=1)
        statement = statement.order_by(waiting_first, col(Handoff.requested_at), col(Handoff.id))
    return list(session.exec(statement.offset(offset).limit(limit)).all())


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


def create_handoff(
    *, session: Session, handoff_in: HandoffCreate, policy: PolicyProfile, now: dt.datetime
) -> tuple[Handoff, bool]:
    """The open handoff of the conversation, or a new one in the queue. Returns (handoff, created)."""
    existing = get_open_handoff(session=session, conversation_id=handoff_in.conversation_id)
    if existing is not None:
        return existing, False
    when = availability(policy.working_hours, policy.calendar, policy.tz, now)
    handoff = Handoff(
        conversation_id=handoff_in.conversation_id,
        open_conversation_id=handoff_in.conversation_id,
        status=HandoffStatus.waiting,
        reason=handoff_in.reason,
        channel=handoff_in.channel,
        language=handoff_in.language,
        policy=policy.id,
        slots=dict(handoff_in.slots),
        requested_at=now,
        expected_reply_by=when.expected_reply_by,
        within_working_hours=when.within_working_hours,
        next_shift_starts=when.next_shift_starts,
        tracking_number=handoff_in.slots.get("tracking_number"),
        log=[_entry(now, "requested", "service", note=handoff_in.reason)],
        updated_at=now,
    )
    session.add(handoff)
    try:
        session.commit()
    except IntegrityError:  # the same conversation asked twice at once: the first one counts
        session.rollback()
        existing = get_open_handoff(session=session, conversation_id=handoff_in.conversation_id)
        if existing is None:
            raise
        return existing, False
    return handoff, True


def _entry(now: dt.datetime, action: str, actor: str, **more: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"at": now.isoformat(), "action": action, "actor": actor}
    entry.update({key: value for key, value in more.items() if value is not None})
    return entry


def _refresh(session: Session, handoff: Handoff) -> Handoff:
    session.expire(handoff)
    session.refresh(handoff)
    return handoff


def take(*, session: Session, handoff: Handoff, actor: Actor, now: dt.datetime) -> Handoff:
    """Waiting -> active with this agent, atomically: of two agents taking at once, one gets
    HandoffConflict. Taking one's own again is a no-op."""
    if handoff.status == HandoffStatus.active and handoff.agent_username == actor.username:
        return handoff
    updated = session.exec(  # type: ignore[call-overload]
        sa.update(Handoff)
        .where(col(Handoff.id) == handoff.id, col(Handoff.status) == HandoffStatus.waiting)
        .values(
            status=HandoffStatus.active,
            agent_username=actor.username,
            agent_name=actor.display_name,
            taken_at=now,
            updated_at=now,
        )
    )
    if updated.rowcount != 1:
        session.rollback()
        current = _refresh(session, handoff)
        if current.status == HandoffStatus.active:
            raise HandoffConflict(f"{current.agent_name or current.agent_username} has already taken this conversation")
        raise HandoffConflict(f"this conversation is {current.status}, not waiting")
    session.commit()
    current = _refresh(session, handoff)
    _append_log(session, current, _entry(now, "taken", actor.username))
    return current


def _append_log(session: Session, handoff: Handoff, entry: dict[str, Any]) -> None:
    handoff.log = [*handoff.log, entry]
    session.add(handoff)
    session.commit()


def _check_holder(handoff: Handoff, actor: Actor) -> None:
    if handoff.status == HandoffStatus.closed:
        raise HandoffConflict("this conversation is back with the bot")
    if handoff.status == HandoffStatus.waiting:
        raise HandoffConflict("take the conversation first")
    if handoff.agent_username != actor.username and not actor.supervisor:
        raise NotYours(f"{handoff.agent_name or handoff.agent_username} has this conversation")


def check_can_write(handoff: Handoff, actor: Actor) -> None:
    _check_holder(handoff, actor)


def transfer(
    *,
    session: Session,
    handoff: Handoff,
    actor: Actor,
    to_username: str | None,
    to_name: str | None,
    note: str | None,
    now: dt.datetime,
) -> Handoff:
    """Passes an active conversation to another agent, or back to the queue (to_username None).
    A waiting one may be given to an agent by anyone (a supervisor dispatching the queue)."""
    if handoff.status == HandoffStatus.closed:
        raise HandoffConflict("this conversation is back with the bot")
    expected_status = handoff.status
    expected_agent = handoff.agent_username
    if handoff.status == HandoffStatus.active:
        _check_holder(handoff, actor)
    values: dict[str, Any] = {"updated_at": now}
    if to_username is None:
        values.update(status=HandoffStatus.waiting, agent_username=None, agent_name=None, taken_at=None)
    else:
        values.update(status=HandoffStatus.active, agent_username=to_username, agent_name=to_name, taken_at=now)
    # Only if nobody changed it in between (compare-and-set on status and holder).
    holder = (
        col(Handoff.agent_username).is_(None)
        if expected_agent is None
        else col(Handoff.agent_username) == expected_agent
    )
    updated = session.exec(  # type: ignore[call-overload]
        sa.update(Handoff)
        .where(col(Handoff.id) == handoff.id, col(Handoff.status) == expected_status, holder)
        .values(**values)
    )
    if updated.rowcount != 1:
        session.rollback()
        raise HandoffConflict("the conversation changed hands meanwhile; reload the queue")
    session.commit()
    current = _refresh(session, handoff)
    _append_log(
        session,
        current,
        _entry(now, "transferred" if to_username else "requeued", actor.username, to=to_username, note=note),
    )
    return current


def close(
    *, session: Session, handoff: Handoff, actor: Actor, outcome: HandoffOutcome, note: str | None, now: dt.datetime
) -> Handoff:
    _check_holder(handoff, actor)
    updated = session.exec(  # type: ignore[call-overload]
        sa.update(Handoff)
        .where(col(Handoff.id) == handoff.id, col(Handoff.status).in_(OPEN_STATUSES))
        .values(
            status=HandoffStatus.closed,
            open_conversation_id=None,
            closed_at=now,
            closed_by=actor.username,
            outcome=outcome,
            bot_paused=False,
            updated_at=now,
        )
    )
    if updated.rowcount != 1:
        session.rollback()
        raise HandoffConflict("this conversation is already back with the bot")
    session.commit()
    current = _refresh(session, handoff)
    _append_log(session, current, _entry(now, outcome.value, actor.username, note=note))
    return current


def link_complaint(
    *, session: Session, handoff: Handoff, tracking_number: str, actor: Actor, now: dt.datetime
) -> Handoff:
    handoff.tracking_number = tracking_number
    handoff.slots = {**handoff.slots, "tracking_number": tracking_number}
    handoff.updated_at = now
    handoff.log = [*handoff.log, _entry(now, "complaint", actor.username, note=tracking_number)]
    session.add(handoff)
    session.commit()
    return handoff


def complaint_for(*, session: Session, handoff: Handoff) -> Complaint | None:
    """The complaint linked from the card, the bot's tracking number, or the conversation's
    latest complaint registered since the conversation's first handoff... in that order."""
    number = handoff.tracking_number or handoff.slots.get("tracking_number")
    if number:
        found = session.exec(select(Complaint).where(Complaint.tracking_number == number)).first()
        if found is not None:
            return found
    return session.exec(
        select(Complaint)
        .where(Complaint.conversation_id == handoff.conversation_id)
        .order_by(col(Complaint.created_at).desc())
    ).first()


# --- messages ----------------------------------------------------------------------------------


def add_agent_message(
    *, session: Session, handoff: Handoff, actor: Actor, text: str, now: dt.datetime
) -> ConversationMessage:
    message = ConversationMessage(
        conversation_id=handoff.conversation_id,
        role=MessageRole.agent,
        # The customer gets the text as written; the transcript never keeps a PIN.
        text=_PIN.sub(PIN_MASK, text),
        at=now,
        stored_at=now,
        channel=handoff.channel,
        event_key=f"agent:{uuid.uuid4().hex}",
        agent_username=actor.username,
        agent_name=actor.display_name,
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
    _update_open_handoffs(session, handoff_updates, now)
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


def _update_open_handoffs(session: Session, updates: Mapping[str, dict[str, Any]], now: dt.datetime) -> None:
    if not updates:
        return
    open_ones = session.exec(
        select(Handoff).where(col(Handoff.open_conversation_id).in_(list(updates))).with_for_update()
    ).all()
    for handoff in open_ones:
        change = updates[handoff.conversation_id]
        if "slots" in change:
            handoff.slots = {**handoff.slots, **change["slots"]}
            if change["slots"].get("tracking_number"):
                handoff.tracking_number = change["slots"]["tracking_number"]
        if "bot_paused" in change:
            handoff.bot_paused = change["bot_paused"]
        handoff.updated_at = now
        session.add(handoff)


# --- privacy -----------------------------------------------------------------------------------


def erase_conversations(*, session: Session, conversation_ids: Iterable[str]) -> int:
    """For backend.app.privacy.erase (in its transaction, no commit): the conversations'
    messages go; their handoffs stay for the statistics (times, reason, channel, outcome)
    without the person (slots, conversation id, tracking number, notes). Returns the number of
    messages deleted."""
    ids = list(set(conversation_ids))
    if not ids:
        return 0
    deleted = session.exec(  # type: ignore[call-overload]
        sa.delete(ConversationMessage).where(col(ConversationMessage.conversation_id).in_(ids))
    )
    for handoff in session.exec(select(Handoff).where(col(Handoff.conversation_id).in_(ids))).all():
        handoff.conversation_id = f"erased-{handoff.id}"
        handoff.open_conversation_id = None if handoff.open_conversation_id is None else handoff.conversation_id
        handoff.slots = {}
        handoff.tracking_number = None
        handoff.log = [{key: value for key, value in entry.items() if key != "note"} for entry in handoff.log]
        session.add(handoff)
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
