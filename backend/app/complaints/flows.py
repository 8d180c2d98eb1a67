"""What happens when a complaint is registered, changes status, gets the customer's answer to a
decision, or is delayed. Each flow writes (complaints.service, closing_loop), plans the
notifications inside the same transaction (the notifications' Planner) and wakes the dispatcher
once that committed (NotificationService.planning). The routes parse, call one of these, and
shape the answer."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session

from backend.app.complaints import closing_loop, service
from backend.app.complaints.intake import prepare_intake
from backend.app.complaints.models import (
    Complaint,
    ComplaintCreate,
    CustomerDecision,
    DecisionOutcome,
    DelayNoticeCreate,
    StatusChangeCreate,
)
from backend.app.core.metrics import Metrics
from backend.app.core.security import derive_pin, verify_pin
from backend.app.core.settings import Settings
from backend.app.notifications.service import NotificationService
from backend.app.policies.profile import PolicyProfile
from backend.app.teams import service as teams
from contract.statuses import ComplaintStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Registration:
    complaint: Complaint
    # Shown once to the customer; None on a replay when it cannot be re-derived.
    pin: str | None
    # The same Idempotency-Key again: this is the complaint registered the first time.
    replayed: bool


class IdempotencyKeyReused(Exception):
    def __init__(self) -> None:
        super().__init__("this Idempotency-Key was already used for a different complaint")


def register_complaint(
    *,
    session: Session,
    complaint_in: ComplaintCreate,
    policies: Mapping[str, PolicyProfile],
    settings: Settings,
    notifications: NotificationService,
    metrics: Metrics | None,
    actor: str,
    in_chat: bool,
    idempotency_key: str | None,
    now: dt.datetime,
) -> Registration:
    """Checks the complaint against its policy (IntakeError), registers it with its deadlines
    and its notifications. With an Idempotency-Key already used for the same complaint, that
    complaint again (IdempotencyKeyReused when it was another one). `in_chat`: the assistant
    registers it in a conversation (its own reply carries the tracking number)."""
    fingerprint = hashlib.sha256(complaint_in.model_dump_json().encode()).hexdigest()
    if idempotency_key is not None:
        existing = service.get_complaint_by_idempotency_key(session=session, idempotency_key=idempotency_key)
        if existing is not None:
            return _replay(existing, idempotency_key, fingerprint, settings)

    policy = policies[complaint_in.policy or settings.complaint_policy]
    values, received_at = prepare_intake(policy, complaint_in, now=now)
    planner = notifications.planner

    def _on_registered(new: Complaint, pin: str) -> None:
        # In the registration's transaction: the team's queue, and the notifications.
        teams.route(session=session, complaint=new, policy=policy)
        planned.extend(planner.on_registered(session, new, policy, in_chat=in_chat, pin=pin, now=now))

    try:
        with notifications.planning() as planned:
            complaint, pin = service.create_complaint(
                session=session,
                values=values,
                policy=policy,
                received_at=received_at,
                actor=actor,
                secret_key=settings.secret_key.get_secret_value(),
                idempotency_key=idempotency_key,
                request_fingerprint=fingerprint,
                now=now,
                on_created=_on_registered,
            )
    except service.IdempotencyKeyTaken as taken:  # a concurrent request with the same key won
        assert idempotency_key is not None
        return _replay(taken.complaint, idempotency_key, fingerprint, settings)
    log.info(
        "complaint registered tracking_number=%s policy=%s channel=%s language=%s by=%s",
        complaint.tracking_number,
        complaint.policy,
        complaint.channel,
        complaint.language,
        actor,
    )
    if metrics is not None:
        metrics.complaint_registered(complaint.policy, complaint.channel)
    return Registration(complaint, pin, replayed=False)


def _replay(complaint: Complaint, idempotency_key: str, fingerprint: str, settings: Settings) -> Registration:
    if complaint.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    # The PIN is not stored; it comes back only if re-deriving it gives the stored hash
    # (it does not after a change of SECRET_KEY).
    pin = derive_pin(settings.secret_key.get_secret_value(), idempotency_key, complaint.tracking_number)
    pin_again = pin if verify_pin(complaint.pin_hash, pin) else None
    log.info("idempotent replay tracking_number=%s pin_returned=%s", complaint.tracking_number, pin_again is not None)
    return Registration(complaint, pin_again, replayed=True)


def change_status(
    *,
    session: Session,
    complaint: Complaint,
    change_in: StatusChangeCreate,
    policy: PolicyProfile,
    actor: str,
    notifications: NotificationService,
    now: dt.datetime,
) -> Complaint:
    """An agent's status change (TransitionNotAllowed): plans or cancels the customer's and the
    agents' notifications; `resolved` sends the note as the decision at once, with the steps
    taken, its outcome (default `resolved`) kept in the history. The route has checked
    `change_in.decision_errors()`."""
    if change_in.status is ComplaintStatus.resolved and change_in.outcome is None:
        change_in = change_in.model_copy(update={"outcome": DecisionOutcome.resolved})
    planner = notifications.planner
    with notifications.planning() as planned:
        complaint = service.change_status(
            session=session,
            complaint=complaint,
            change_in=change_in,
            policy=policy,
            actor=actor,
            now=now,
            on_changed=lambda changed, previous: planned.extend(
                planner.on_status_changed(session, changed, policy, previous=previous, change=change_in, now=now)
            ),
        )
    log.info(
        "complaint status changed tracking_number=%s status=%s outcome=%s",
        complaint.tracking_number,
        complaint.status,
        change_in.outcome,
    )
    return complaint


def answer_decision(
    *,
    session: Session,
    complaint: Complaint,
    decision: CustomerDecision,
    policy: PolicyProfile,
    recorded_by: str,
    notifications: NotificationService,
    now: dt.datetime,
    move_to: str | None = None,
) -> Complaint:
    """The customer approves or rejects the decision (NotResolved before there is one): the
    agents hear of a rejection, the supervisor of a dispute. `move_to`: see
    closing_loop.record_customer_decision."""
    planner = notifications.planner
    with notifications.planning() as planned:
        complaint = closing_loop.record_customer_decision(
            session=session,
            complaint=complaint,
            decision=decision,
            policy=policy,
            recorded_by=recorded_by,
            now=now,
            move_to=move_to,
            on_changed=lambda changed: planned.extend(
                planner.on_customer_decision(
                    session, changed, policy, approved=decision.approved, reason=decision.reason, now=now
                )
            ),
        )
    log.info(
        "customer decision tracking_number=%s approved=%s status=%s rejections=%s",
        complaint.tracking_number,
        decision.approved,
        ComplaintStatus(complaint.status),
        complaint.rejections,
    )
    return complaint


def send_delay_notice(
    *,
    session: Session,
    complaint: Complaint,
    delay: DelayNoticeCreate,
    policy: PolicyProfile,
    actor: str,
    notifications: NotificationService,
    now: dt.datetime,
) -> Complaint:
    """The resolution deadline cannot be met (DelayNotAllowed when nothing is late, or the date
    is not later than promised): the customer is told the reason and the new date at once;
    reminders and the escalation move to that date."""
    planner = notifications.planner
    with notifications.planning() as planned:
        complaint = closing_loop.record_delay(
            session=session,
            complaint=complaint,
            delay=delay,
            policy=policy,
            actor=actor,
            now=now,
            on_delayed=lambda delayed, new_date: planned.extend(
                planner.on_delay(session, delayed, policy, reason=delay.reason, new_date=new_date, now=now)
            ),
        )
    log.info("delay notice tracking_number=%s by=%s", complaint.tracking_number, actor)
    return complaint
