"""The closing loop (issue 8) and the delay notice: schemas and data functions.

- The customer approves a decision (resolved -> closed) or rejects it with a reason: the
  first rejection reopens the complaint for a re-review, the second makes it disputed and
  the answer carries the policy's external remedies. Every step is in the history with the
  actor `customer`.
- The customer rates the handling 1-5.
- An agent tells the customer the resolution is late: the reason and a new date.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import StringConstraints, field_validator
from sqlmodel import Session, SQLModel

from backend.app.complaints import service as complaint_service
from backend.app.complaints.models import Complaint, HistoryKind, StatusChange, StatusChangeCreate
from backend.app.notifications.models import Notification
from backend.app.notifications.planner import Planner
from backend.app.policies.calendar import END_OF_DAY
from backend.app.policies.profile import PolicyProfile
from contract.statuses import RESOLUTION_STOPPED, ComplaintStatus, Language

CUSTOMER = "customer"  # the history's actor for what the customer did (a reserved username)
# From the second rejection on, a complaint is disputed.
DISPUTE_AFTER_REJECTIONS = 2
RATABLE = frozenset({ComplaintStatus.closed, ComplaintStatus.disputed})


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip() or None
    return value


class CustomerDecision(SQLModel):
    approved: bool
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None
    # The language of the answer's external_remedies; default the complaint's.
    language: Language | None = None
    # The conversation the customer answers from (a new one after the session expired).
    conversation_id: Annotated[str, StringConstraints(max_length=200)] | None = None

    @field_validator("reason", "conversation_id", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_to_none(value)


class CustomerDecisionAnswer(SQLModel):
    tracking_number: str
    status: ComplaintStatus
    rejections: int
    # The consumer-protection bodies of the policy's country, in the request's language.
    external_remedies: str


class RatingCreate(SQLModel):
    rating: int

    @field_validator("rating")
    @classmethod
    def _one_to_five(cls, value: int) -> int:
        if not 1 <= value <= 5:
            raise ValueError("a rating is a whole number from 1 to 5")
        return value


class RatingAnswer(SQLModel):
    tracking_number: str
    rating: int


class DelayNoticeCreate(SQLModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    # The new resolution date, a day in the policy's time zone (the end of that day).
    new_date: dt.date


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
    planner: Planner,
    recorded_by: str,
    now: dt.datetime,
) -> tuple[Complaint, list[Notification]]:
    if complaint.status != ComplaintStatus.resolved:
        raise NotResolved(f"the complaint is {complaint.status}, not resolved: there is no decision to answer")
    if decision.conversation_id and decision.conversation_id != complaint.conversation_id:
        # The customer answers from a new conversation: later notifications go there.
        complaint.conversation_id = decision.conversation_id
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
    planned: list[Notification] = []

    def plan(changed: Complaint, _previous: ComplaintStatus) -> None:
        planned.extend(
            planner.on_customer_decision(
                session, changed, policy, approved=decision.approved, reason=decision.reason, now=now
            )
        )

    complaint = complaint_service.change_status(
        session=session, complaint=complaint, change_in=change, policy=policy, actor=CUSTOMER, now=now, on_changed=plan
    )
    return complaint, planned


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
        StatusChange(
            kind=HistoryKind.rating,
            status=ComplaintStatus(complaint.status),
            note=f"the customer rated the handling {rating}/5{by}",
            visible_to_customer=False,
            at=now,
            actor=CUSTOMER,
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
    planner: Planner,
    actor: str,
    now: dt.datetime,
) -> tuple[Complaint, list[Notification]]:
    if complaint.status in RESOLUTION_STOPPED:
        raise DelayNotAllowed(f"the complaint is {complaint.status}: nothing is late")
    promised = policy.local(complaint.delayed_to or complaint.resolve_by).date()
    if delay.new_date <= promised:
        raise DelayNotAllowed(f"the new date must come after the date promised so far ({promised:%d.%m.%Y})")
    new_date = dt.datetime.combine(delay.new_date, END_OF_DAY, tzinfo=policy.tz)
    complaint.delayed_to = new_date
    complaint.updated_at = now
    complaint.history.append(
        StatusChange(
            kind=HistoryKind.delay,
            status=ComplaintStatus(complaint.status),
            note=delay.reason,
            visible_to_customer=True,
            at=now,
            actor=actor,
        )
    )
    planned = planner.on_delay(session, complaint, policy, reason=delay.reason, new_date=new_date, now=now)
    session.add(complaint)
    session.commit()
    return complaint, planned
