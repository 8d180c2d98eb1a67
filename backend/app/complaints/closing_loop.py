"""The closing loop (issue 8) and the delay notice: data functions.

- The customer approves a decision (resolved -> closed) or rejects it with a reason: the
  first rejection reopens the complaint for a re-review, the second makes it disputed and
  the answer carries the policy's external remedies. Every step is in the history with the
  actor `customer`.
- The customer rates the handling 1-5.
- An agent tells the customer the resolution is late: the reason and a new date.

The notifications these steps cause are planned by the caller inside the same transaction
(the `on_*` callbacks; backend.app.complaints.flows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlmodel import Session

from backend.app.complaints import service as complaint_service
from backend.app.complaints.models import (
    Complaint,
    CustomerDecision,
    DelayNoticeCreate,
    HistoryKind,
    StatusChangeCreate,
)
from backend.app.policies.calendar import END_OF_DAY
from backend.app.policies.profile import PolicyProfile
from contract.statuses import RESOLUTION_STOPPED, ComplaintStatus, Language

CUSTOMER = "customer"  # the history's actor for what the customer did (a reserved username)
# From the second rejection on, a complaint is disputed.
DISPUTE_AFTER_REJECTIONS = 2
RATABLE = frozenset({ComplaintStatus.closed, ComplaintStatus.disputed})


class NotResolved(Exception):
    pass


class NotRatable(Exception):
    pass


class DelayNotAllowed(Exception):
    pass


def record_customer_decision(
    *,
    session: Session,
    complaint: Complaint,
    decision: CustomerDecision,
    policy: PolicyProfile,
    recorded_by: str,
    now: dt.datetime,
    move_to: str | None = None,
    on_changed: Callable[[Complaint], None] | None = None,
) -> Complaint:
    """`move_to`: the conversation later notifications go to from now on; only for a customer
    who gave the complaint's PIN there (pin_check), never on a conversation id alone.
    `on_changed(complaint)` runs inside the transaction, after the new status is set."""
    if complaint.status != ComplaintStatus.resolved:
        raise NotResolved(f"the complaint is {complaint.status}, not resolved: there is no decision to answer")
    if move_to and move_to != complaint.conversation_id:
        complaint.conversation_id = move_to
    by = "" if recorded_by in (CUSTOMER, "service") else f" (recorded by {recorded_by})"
    if decision.approved:
        change = StatusChangeCreate(
            status=ComplaintStatus.closed, note=f"the customer approved the decision{by}", visible_to_customer=False
        )
    else:
        complaint.rejections += 1
        status = (
            ComplaintStatus.disputed if complaint.rejections >= DISPUTE_AFTER_REJECTIONS else ComplaintStatus.reopened
        )
        reason = decision.reason or "no reason given"
        change = StatusChangeCreate(
            status=status,
            note=f"the customer rejected the decision ({complaint.rejections}){by}: {reason}",
            visible_to_customer=False,
        )
    return complaint_service.change_status(
        session=session,
        complaint=complaint,
        change_in=change,
        policy=policy,
        actor=CUSTOMER,
        now=now,
        on_changed=None if on_changed is None else lambda changed, _previous: on_changed(changed),
    )


def external_remedies(policy: PolicyProfile, language: Language) -> str:
    return policy.external_remedies[language]


def record_rating(
    *, session: Session, complaint: Complaint, rating: int, recorded_by: str, now: dt.datetime
) -> Complaint:
    if complaint.status not in RATABLE:
        raise NotRatable(f"the complaint is {complaint.status}: a rating follows the customer's answer to the decision")
    by = "" if recorded_by in (CUSTOMER, "service") else f" (recorded by {recorded_by})"
    complaint.rating = rating
    complaint.updated_at = now
    complaint.history.append(
        complaint_service.history_entry(
            complaint, HistoryKind.rating, f"the customer rated the handling {rating}/5{by}", CUSTOMER, now
        )
    )
    session.add(complaint)
    session.commit()
    return complaint


def record_delay(
    *,
    session: Session,
    complaint: Complaint,
    delay: DelayNoticeCreate,
    policy: PolicyProfile,
    actor: str,
    now: dt.datetime,
    on_delayed: Callable[[Complaint, dt.datetime], None] | None = None,
) -> Complaint:
    """`on_delayed(complaint, new_date)` runs inside the transaction."""
    if complaint.status in RESOLUTION_STOPPED:
        raise DelayNotAllowed(f"the complaint is {complaint.status}: nothing is late")
    promised = policy.local(complaint.delayed_to or complaint.resolve_by).date()
    if delay.new_date <= promised:
        raise DelayNotAllowed(f"the new date must come after the date promised so far ({promised:%d.%m.%Y})")
    new_date = dt.datetime.combine(delay.new_date, END_OF_DAY, tzinfo=policy.tz)
    complaint.delayed_to = new_date
    complaint.updated_at = now
    complaint.history.append(
        complaint_service.history_entry(complaint, HistoryKind.delay, delay.reason, actor, now, visible=True)
    )
    if on_delayed is not None:
        on_delayed(complaint, new_date)
    session.add(complaint)
    session.commit()
    return complaint
