"""Who may read a complaint or answer for its customer without an agent's rights: whoever gives
its PIN, checked and counted in one row update (core/lockout.py), or the action server relaying
a message of the complaint's own conversation. An unknown tracking number, a wrong PIN and a
relay from another conversation without the PIN are one refusal (NoMatch), so that no answer
tells which tracking numbers exist."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlmodel import Session

from backend.app.complaints import service
from backend.app.complaints.models import Complaint
from backend.app.core import lockout
from backend.app.core.security import verify_pin
from backend.app.core.settings import Settings

log = logging.getLogger(__name__)

_columns = Complaint.__table__.c  # type: ignore[attr-defined]
PIN_COUNTER = lockout.Counter(
    id=_columns.id,
    failures=_columns.pin_failed_attempts,
    locked_until=_columns.pin_locked_until,
    lockouts=_columns.pin_lockouts,
)


class NoMatch(Exception):
    """No complaint with this tracking number and PIN (or no right to act for it)."""

    def __init__(self) -> None:
        super().__init__("unknown tracking number or wrong PIN")


def pin_lockout(settings: Settings) -> lockout.Lockout:
    return lockout.Lockout(
        max_attempts=settings.pin_max_attempts,
        first=dt.timedelta(minutes=settings.pin_lockout_minutes),
        longest=dt.timedelta(minutes=settings.pin_lockout_max_minutes),
    )


def check_pin(
    *, session: Session, tracking_number: str, pin: str, rules: lockout.Lockout, now: dt.datetime
) -> Complaint:
    """The complaint when the PIN is right (its failures cleared). NoMatch for an unknown
    number or a wrong PIN; lockout.Locked while locked, and for the wrong PIN that locks it."""
    complaint = service.get_complaint_by_tracking_number(session=session, tracking_number=tracking_number)
    if complaint is None:
        verify_pin(None, pin)  # as long as a real check
        raise NoMatch()
    assert complaint.id is not None
    attempt, lock = lockout.take_attempt(
        session=session, counter=PIN_COUNTER, row_id=complaint.id, rules=rules, now=now
    )
    if attempt is lockout.Attempt.missing:  # erased in between
        raise NoMatch()
    if not verify_pin(complaint.pin_hash, pin):
        if attempt is lockout.Attempt.last:
            log.warning("PIN checks locked after wrong PINs tracking_number=%s", complaint.tracking_number)
            raise lockout.Locked(lock)
        raise NoMatch()
    lockout.clear(session=session, counter=PIN_COUNTER, row_id=complaint.id)
    return complaint


@dataclass(frozen=True)
class Relay:
    """Who passes on a customer's answer: an agent (a call, a letter) or the action server
    (`conversation_id`: the conversation the customer writes in), with the PIN if given."""

    by_agent: bool
    conversation_id: str | None
    pin: str | None


def may_answer_for(
    *, session: Session, tracking_number: str, relay: Relay, rules: lockout.Lockout, now: dt.datetime
) -> bool:
    """Whether the customer's answer (a decision, a rating) may be recorded; NoMatch or
    lockout.Locked when not. True when the right PIN was given: only then may the complaint's
    later notifications move to `relay.conversation_id`."""
    if relay.pin is not None:
        check_pin(session=session, tracking_number=tracking_number, pin=relay.pin, rules=rules, now=now)
        return True
    if relay.by_agent:
        return False
    complaint = service.get_complaint_by_tracking_number(session=session, tracking_number=tracking_number)
    if complaint is None or not relay.conversation_id or complaint.conversation_id != relay.conversation_id:
        raise NoMatch()
    return False
