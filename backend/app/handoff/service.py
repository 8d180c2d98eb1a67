"""Handoff data functions (keyword-only, one session each): the queue, taking, passing on and
closing a handoff, and what the conversation's events change on its open handoff."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.app.accounts.deps import Caller
from backend.app.accounts.models import AgentRole
from backend.app.complaints.models import Complaint
from backend.app.handoff.models import OPEN_STATUSES, Handoff, HandoffCreate, HandoffOutcome, HandoffStatus
from backend.app.policies.profile import PolicyProfile
from backend.app.policies.working_hours import availability

log = logging.getLogger(__name__)

# The built-in AGENT_TOKEN has no account: it acts as "agent", shown as this name.
BUILTIN_AGENT_NAME = "Agent"


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

    @classmethod
    def of(cls, caller: Caller) -> Actor:
        if caller.account is not None:
            return cls(
                username=caller.account.username,
                display_name=caller.account.display_name,
                supervisor=caller.has_role(AgentRole.supervisor),
            )
        return cls(username=caller.actor, display_name=BUILTIN_AGENT_NAME)


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


def count_handoffs(*, session: Session, statuses: Iterable[HandoffStatus]) -> int:
    """How many handoffs are in these statuses (the workspace's count of waiting conversations)."""
    statement = select(sa.func.count()).select_from(Handoff).where(col(Handoff.status).in_(list(statuses)))
    return session.exec(statement).one()


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


def conversation_ids_for(*, session: Session, complaint: Complaint) -> list[str]:
    """The conversations about a complaint: its own, then those of handoffs linked to it
    (an agent wrote to the customer from it, or registered it from the card), oldest first."""
    linked = session.exec(
        select(Handoff.conversation_id)
        .where(Handoff.tracking_number == complaint.tracking_number)
        .order_by(col(Handoff.requested_at), col(Handoff.id))
    ).all()
    ids = [complaint.conversation_id] if complaint.conversation_id else []
    return ids + [conversation_id for conversation_id in dict.fromkeys(linked) if conversation_id not in ids]


def apply_conversation_events(*, session: Session, updates: Mapping[str, dict[str, Any]], now: dt.datetime) -> None:
    """What the conversations' events changed ({conversation id: {slots, bot_paused}}), on their
    open handoffs; in the caller's transaction."""
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


def forget_conversations(*, session: Session, conversation_ids: list[str]) -> None:
    """The handoffs of these conversations stay for the statistics (times, reason, channel,
    outcome) without the person (slots, conversation id, tracking number, notes); in the
    caller's transaction."""
    for handoff in session.exec(select(Handoff).where(col(Handoff.conversation_id).in_(conversation_ids))).all():
        handoff.conversation_id = f"erased-{handoff.id}"
        handoff.open_conversation_id = None if handoff.open_conversation_id is None else handoff.conversation_id
        handoff.slots = {}
        handoff.tracking_number = None
        handoff.log = [{key: value for key, value in entry.items() if key != "note"} for entry in handoff.log]
        session.add(handoff)
