"""Complaints' data functions: keyword-only, one session each, commit where a unit of work ends."""

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from backend.app.accounts.models import Agent
from backend.app.attachments.service import link_conversation_attachments
from backend.app.complaints.filters import ComplaintFilter, where_clauses
from backend.app.complaints.models import Complaint, HistoryKind, StatusChange, StatusChangeCreate
from backend.app.core.security import derive_pin, generate_pin, generate_tracking_number, hash_pin
from backend.app.policies.profile import PolicyProfile, compute_deadlines
from backend.app.teams import service as teams
from contract.statuses import STATUS_TRANSITIONS, ComplaintStatus

log = logging.getLogger(__name__)

_TRACKING_NUMBER_TRIES = 5


class IdempotencyKeyTaken(Exception):
    """Another request registered a complaint under the same Idempotency-Key first."""

    def __init__(self, complaint: Complaint) -> None:
        super().__init__(complaint.tracking_number)
        self.complaint = complaint


class AssignmentNotAllowed(Exception):
    """Only a supervisor or an admin takes a complaint away from the agent who has it."""


class TransitionNotAllowed(Exception):
    def __init__(self, current: ComplaintStatus, wanted: ComplaintStatus) -> None:
        allowed = ", ".join(sorted(STATUS_TRANSITIONS[current])) or "none"
        super().__init__(f"a complaint in status {current} cannot become {wanted} (allowed: {allowed})")


def history_entry(
    complaint: Complaint, kind: HistoryKind, note: str, actor: str, now: dt.datetime, *, visible: bool = False
) -> StatusChange:
    """An entry of the complaint's history that leaves its status as it is (a note, an
    assignment, a rating, a delay, an export...); appended by the caller."""
    return StatusChange(
        kind=kind, status=ComplaintStatus(complaint.status), note=note, visible_to_customer=visible, at=now, actor=actor
    )


# --- reading -----------------------------------------------------------------------------------


def get_complaint_by_tracking_number(
    *, session: Session, tracking_number: str, for_update: bool = False
) -> Complaint | None:
    statement = select(Complaint).where(Complaint.tracking_number == tracking_number)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def get_complaint_by_idempotency_key(*, session: Session, idempotency_key: str) -> Complaint | None:
    return session.exec(select(Complaint).where(Complaint.idempotency_key == idempotency_key)).first()


def list_complaints(
    *,
    session: Session,
    wanted: ComplaintFilter,
    policies: Mapping[str, PolicyProfile],
    now: dt.datetime,
    limit: int = 50,
    offset: int = 0,
) -> list[Complaint]:
    """Newest first."""
    clauses = where_clauses(wanted, now=now, policies=policies, dialect=_dialect(session))
    statement = (
        select(Complaint).options(selectinload(Complaint.assigned_to), selectinload(Complaint.team)).where(*clauses)
    )  # type: ignore[arg-type]
    statement = statement.order_by(col(Complaint.created_at).desc(), col(Complaint.id).desc())
    return list(session.exec(statement.offset(offset).limit(limit)).all())


def count_complaints(
    *, session: Session, wanted: ComplaintFilter, policies: Mapping[str, PolicyProfile], now: dt.datetime
) -> int:
    """How many `list_complaints` would find without paging (the X-Total-Count)."""
    clauses = where_clauses(wanted, now=now, policies=policies, dialect=_dialect(session))
    return session.exec(select(sa.func.count()).select_from(Complaint).where(*clauses)).one()


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


# --- writing -----------------------------------------------------------------------------------


def create_complaint(
    *,
    session: Session,
    values: dict[str, Any],
    policy: PolicyProfile,
    received_at: dt.datetime,
    actor: str,
    secret_key: str,
    idempotency_key: str | None,
    request_fingerprint: str | None,
    now: dt.datetime,
    on_created: Callable[[Complaint, str], None] | None = None,
) -> tuple[Complaint, str]:
    """Registers a complaint and returns it with its PIN (the only time the PIN exists in
    clear). Raises IdempotencyKeyTaken when a concurrent request won the same key.
    `on_created(complaint, pin)` runs inside the transaction (the notifications are planned
    there; an SMS the policy sends with the PIN keeps it encrypted)."""
    deadlines = compute_deadlines(policy, received_at=received_at)
    for _ in range(_TRACKING_NUMBER_TRIES):
        tracking_number = generate_tracking_number()
        if idempotency_key is None:
            pin = generate_pin()
        else:
            pin = derive_pin(secret_key, idempotency_key, tracking_number)
        complaint = Complaint(
            **values,
            **deadlines.model_dump(),
            tracking_number=tracking_number,
            pin_hash=hash_pin(pin),
            policy=policy.id,
            status=ComplaintStatus.registered,
            received_at=received_at,
            created_at=now,
            updated_at=now,
            idempotency_key=idempotency_key,
            request_fingerprint=request_fingerprint,
        )
        complaint.history.append(
            StatusChange(status=ComplaintStatus.registered, at=now, actor=actor, visible_to_customer=True)
        )
        session.add(complaint)
        try:
            session.flush()
            assert complaint.id is not None  # flushed
            link_conversation_attachments(
                session=session, complaint_id=complaint.id, conversation_id=complaint.conversation_id
            )
            if on_created is not None:
                on_created(complaint, pin)
            session.commit()
        except IntegrityError:
            session.rollback()
            if idempotency_key is not None:
                winner = get_complaint_by_idempotency_key(session=session, idempotency_key=idempotency_key)
                if winner is not None:
                    raise IdempotencyKeyTaken(winner) from None
            log.warning("tracking number collision, drawing another one")
            continue
        if session.expire_on_commit:  # else it is current already, and a reload costs a query
            session.refresh(complaint)
        return complaint, pin
    raise RuntimeError(f"no free tracking number after {_TRACKING_NUMBER_TRIES} draws")


def change_status(
    *,
    session: Session,
    complaint: Complaint,
    change_in: StatusChangeCreate,
    policy: PolicyProfile,
    actor: str,
    now: dt.datetime,
    on_changed: Callable[[Complaint, ComplaintStatus], None] | None = None,
) -> Complaint:
    """`on_changed(complaint, previous_status)` runs inside the transaction."""
    current = ComplaintStatus(complaint.status)
    if change_in.status not in STATUS_TRANSITIONS[current]:
        raise TransitionNotAllowed(current, change_in.status)
    complaint.status = change_in.status
    complaint.updated_at = now
    # The reports' facts (reports/service.py): the latest decision, the first dispute.
    if change_in.status is ComplaintStatus.resolved:
        complaint.decided_at = now
    elif change_in.status is ComplaintStatus.disputed and complaint.disputed_at is None:
        complaint.disputed_at = now
    if complaint.acknowledged_at is None:
        # Leaving "registered" acknowledges the complaint: deadlines that count from the
        # acknowledgement now count from this moment instead of from its deadline.
        complaint.acknowledged_at = now
        deadlines = compute_deadlines(policy, received_at=complaint.received_at, acknowledged_at=now)
        complaint.sqlmodel_update(deadlines.model_dump())
    complaint.history.append(StatusChange(**change_in.model_dump(), at=now, actor=actor))
    if on_changed is not None:
        on_changed(complaint, current)
    session.add(complaint)
    session.commit()
    session.refresh(complaint)
    return complaint


def add_note(*, session: Session, complaint: Complaint, note: str, actor: str, now: dt.datetime) -> StatusChange:
    """An internal note in the history; the complaint's status stays as it is."""
    entry = history_entry(complaint, HistoryKind.note, note, actor, now)
    complaint.history.append(entry)
    complaint.updated_at = now
    session.add(complaint)
    session.commit()
    session.refresh(entry)
    return entry


def assign(
    *,
    session: Session,
    complaint: Complaint,
    assignee: Agent | None,
    note: str | None,
    actor: str,
    actor_is_supervisor: bool,
    now: dt.datetime,
) -> Complaint:
    """Gives the complaint to `assignee` (None: to nobody). An agent may assign a complaint
    nobody has, or one that is their own; taking it from someone else needs a supervisor."""
    current = complaint.assigned_to
    if current is not None and current.username != actor and not actor_is_supervisor:
        if assignee is None or assignee.id != current.id:
            raise AssignmentNotAllowed(
                f"the complaint is assigned to {current.username}; only a supervisor or an admin can reassign it"
            )
    complaint.assigned_to = assignee
    complaint.updated_at = now
    what = f"assigned to {assignee.username}" if assignee is not None else "unassigned"
    complaint.history.append(
        history_entry(complaint, HistoryKind.assignment, what if note is None else f"{what}: {note}", actor, now)
    )
    session.add(complaint)
    session.commit()
    session.refresh(complaint)
    return complaint


def change_category(
    *, session: Session, complaint: Complaint, category: str, policy: PolicyProfile, actor: str, now: dt.datetime
) -> Complaint:
    """Sets the complaint's category (one of its policy's, checked by the caller) and moves it
    to that category's team's queue; the history says from what to what."""
    before = complaint.complaint_category
    complaint.complaint_category = category
    team = teams.route(session=session, complaint=complaint, policy=policy)
    complaint.updated_at = now
    note = f"category {before or '-'} -> {category}, team {team.key}"
    complaint.history.append(history_entry(complaint, HistoryKind.category, note, actor, now))
    session.add(complaint)
    session.commit()
    session.refresh(complaint)
    return complaint
