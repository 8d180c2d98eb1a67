"""The letters' rows (keyword-only data functions): claiming a letter so it is handled once,
recording ours, the threads and the complaint each belongs to, and erasure."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from backend.app.complaints.models import Complaint
from backend.app.mail.models import Direction, LetterState, MailLetter

DONE = (LetterState.handled, LetterState.ignored, LetterState.failed)


class ClaimResult(enum.Enum):
    claimed = "claimed"  # first time here, or taken over (pending, or a lease that ran out)
    done = "done"  # handled before: a duplicate
    busy = "busy"  # another reader holds it now


@dataclass
class Claim:
    result: ClaimResult
    letter_id: int | None = None
    attempts: int = 0


@dataclass(frozen=True)
class Thread:
    """The thread a letter belongs to and, once known, its complaint."""

    thread: str
    complaint_id: int | None


# --- inbound ---------------------------------------------------------------------------------------


def claim_inbound(*, session: Session, row: MailLetter, worker: str, lease: dt.timedelta, now: dt.datetime) -> Claim:
    """Inserts the letter's row held by `worker` until now+lease; a letter already there is a
    duplicate when done, taken over when pending or its lease ran out, else busy."""
    row.direction = Direction.inbound
    row.state = LetterState.handling
    row.claimed_by, row.claimed_until, row.attempts = worker, now + lease, 1
    row.created_at = row.updated_at = now
    try:
        session.add(row)
        session.commit()
        return Claim(ClaimResult.claimed, row.id, 1)
    except sa.exc.IntegrityError:
        session.rollback()
    existing = _inbound(session, row.message_id)
    if existing is None:  # deleted in between (erasure, a test): try once more later
        return Claim(ClaimResult.busy)
    if existing.state in DONE:
        session.execute(
            sa.update(MailLetter).where(col(MailLetter.id) == existing.id).values(duplicates=MailLetter.duplicates + 1)
        )
        session.commit()
        return Claim(ClaimResult.done, existing.id, existing.attempts)
    takeover = session.execute(
        sa.update(MailLetter)
        .where(
            col(MailLetter.id) == existing.id,
            sa.or_(
                col(MailLetter.state) == LetterState.pending,
                sa.and_(col(MailLetter.state) == LetterState.handling, col(MailLetter.claimed_until) < now),
            ),
        )
        .values(
            state=LetterState.handling,
            claimed_by=worker,
            claimed_until=now + lease,
            attempts=MailLetter.attempts + 1,
            updated_at=now,
        )
    )
    session.commit()
    if takeover.rowcount != 1:  # type: ignore[attr-defined]
        return Claim(ClaimResult.busy, existing.id)
    return Claim(ClaimResult.claimed, existing.id, existing.attempts + 1)


def record_ignored(*, session: Session, row: MailLetter, reason: str, now: dt.datetime) -> bool:
    """A letter never answered (auto-reply, bounce, list mail); False when it was there already."""
    row.direction, row.state, row.reason = Direction.inbound, LetterState.ignored, reason
    row.created_at = row.updated_at = now
    try:
        session.add(row)
        session.commit()
        return True
    except sa.exc.IntegrityError:
        session.rollback()
        return False


def finish(
    *,
    session: Session,
    letter_id: int,
    worker: str,
    state: LetterState,
    now: dt.datetime,
    reason: str | None = None,
    complaint_id: int | None = None,
    language: str | None = None,
) -> bool:
    """Writes the outcome while the claim is still `worker`'s; False when another took it over."""
    values: dict[str, object] = {"state": state, "reason": reason, "claimed_until": None, "updated_at": now}
    if complaint_id is not None:
        values["complaint_id"] = complaint_id
    if language is not None:
        values["language"] = language
    done = session.execute(
        sa.update(MailLetter)
        .where(col(MailLetter.id) == letter_id, col(MailLetter.claimed_by) == worker)
        .values(**values)
    )
    session.commit()
    return done.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def _inbound(session: Session, message_id: str) -> MailLetter | None:
    return session.exec(
        select(MailLetter).where(
            col(MailLetter.direction) == Direction.inbound, col(MailLetter.message_id) == message_id
        )
    ).first()


# --- threads ----------------------------------------------------------------------------------------


def thread_of(
    *, session: Session, message_id: str, earlier: list[str], conversation_id: str | None, subject: str
) -> Thread:
    """The thread of a letter answering `earlier` (References + In-Reply-To): the thread of the
    newest of those we know, when it is this sender's; its complaint, or the one whose tracking
    number the subject carries (again only this sender's)."""
    known = None
    if earlier:
        known = session.exec(
            select(MailLetter)
            .where(col(MailLetter.message_id).in_(earlier), col(MailLetter.conversation_id) == conversation_id)
            .order_by(col(MailLetter.id).desc())
        ).first()
    thread = known.thread if known is not None else (earlier[0] if earlier else message_id)
    complaint_id = known.complaint_id if known is not None else None
    if complaint_id is None and known is not None:
        complaint_id = _thread_complaint(session, thread, conversation_id)
    if complaint_id is None and conversation_id:
        complaint_id = _complaint_in_subject(session, subject, conversation_id)
    return Thread(thread, complaint_id)


def _thread_complaint(session: Session, thread: str, conversation_id: str | None) -> int | None:
    return session.exec(
        select(MailLetter.complaint_id).where(
            col(MailLetter.thread) == thread,
            col(MailLetter.conversation_id) == conversation_id,
            col(MailLetter.complaint_id).is_not(None),
        )
    ).first()


def _complaint_in_subject(session: Session, subject: str, conversation_id: str) -> int | None:
    from backend.app.mail.compose import tracking_number_in

    number = tracking_number_in(subject)
    if number is None:
        return None
    return session.exec(
        select(MailLetter.complaint_id)
        .join(Complaint, col(Complaint.id) == col(MailLetter.complaint_id))
        .where(col(MailLetter.conversation_id) == conversation_id, col(Complaint.tracking_number) == number)
    ).first()


def link_complaint(*, session: Session, thread: str, conversation_id: str, complaint_id: int) -> None:
    """The conversation registered a complaint: the thread's letters belong to it from now on."""
    session.execute(
        sa.update(MailLetter)
        .where(
            col(MailLetter.thread) == thread,
            col(MailLetter.conversation_id) == conversation_id,
            col(MailLetter.complaint_id).is_(None),
        )
        .values(complaint_id=complaint_id)
    )
    session.commit()


def complaint_of_conversation(*, session: Session, tracking_number: str, conversation_id: str) -> Complaint | None:
    """The complaint of this number, when this conversation registered it (a number typed by
    someone else gives nothing)."""
    return session.exec(
        select(Complaint).where(
            col(Complaint.tracking_number) == tracking_number, col(Complaint.conversation_id) == conversation_id
        )
    ).first()


def latest_of_conversation(*, session: Session, conversation_id: str) -> MailLetter | None:
    """The conversation's newest letter that has an address (the one to answer)."""
    return session.exec(
        select(MailLetter)
        .where(col(MailLetter.conversation_id) == conversation_id, col(MailLetter.address).is_not(None))
        .order_by(col(MailLetter.id).desc())
    ).first()


def customer_wrote_in(*, session: Session, thread: str) -> bool:
    return (
        session.exec(
            select(MailLetter.id).where(
                col(MailLetter.thread) == thread, col(MailLetter.direction) == Direction.inbound
            )
        ).first()
        is not None
    )


def latest_of_complaint(*, session: Session, complaint_id: int) -> MailLetter | None:
    return session.exec(
        select(MailLetter)
        .where(col(MailLetter.complaint_id) == complaint_id, col(MailLetter.address).is_not(None))
        .order_by(col(MailLetter.id).desc())
    ).first()


# --- outbound ---------------------------------------------------------------------------------------


def record_outbound(*, session: Session, row: MailLetter, now: dt.datetime) -> None:
    """One of ours, accepted by SMTP (ids and headers only); sent again with the same
    Message-ID (a retried notification) it stays one row."""
    row.direction, row.state = Direction.outbound, LetterState.sent
    row.created_at = row.updated_at = now
    try:
        session.add(row)
        session.commit()
    except sa.exc.IntegrityError:
        session.rollback()


# --- erasure ----------------------------------------------------------------------------------------


def scrub(
    *, session: Session, conversation_ids: Iterable[str], emails: Iterable[str], complaint_ids: Iterable[int]
) -> int:
    """Takes the customer's address and subjects off their letters' rows (the caller commits);
    the rows stay, so a letter read again is still known. The rows touched."""
    conditions = []
    conversation_ids, complaint_ids = set(conversation_ids), set(complaint_ids)
    emails = {email.strip().lower() for email in emails if email}
    if conversation_ids:
        conditions.append(col(MailLetter.conversation_id).in_(conversation_ids))
    if complaint_ids:
        conditions.append(col(MailLetter.complaint_id).in_(complaint_ids))
    if emails:
        conditions.append(sa.func.lower(col(MailLetter.address)).in_(emails))
    if not conditions:
        return 0
    done = session.execute(sa.update(MailLetter).where(sa.or_(*conditions)).values(address=None, subject=None))
    return done.rowcount  # type: ignore[attr-defined,no-any-return]
