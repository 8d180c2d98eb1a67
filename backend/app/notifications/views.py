"""Agents and the notifications of a complaint: a delay notice to the customer, and another
try of a notification that failed."""

import logging
from http import HTTPStatus

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Path
from sqlmodel import col, select

from backend.app.complaints import closing_loop
from backend.app.complaints import service as complaint_service
from backend.app.complaints.closing_loop import DelayNoticeCreate
from backend.app.complaints.models import Complaint, ComplaintDetail
from backend.app.complaints.presenters import complaint_detail
from backend.app.complaints.views import TrackingNumber
from backend.app.core import clock
from backend.app.core.deps import CurrentAgent, PoliciesDep, SessionDep
from backend.app.notifications.models import Notification, NotificationState
from backend.app.notifications.service import NotificationsDep

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/complaints", tags=["notifications"])


@router.post(
    "/{tracking_number}/delay",
    responses={
        HTTPStatus.NOT_FOUND: {"description": "unknown tracking number"},
        HTTPStatus.CONFLICT: {"description": "already resolved, or the date is not later than promised"},
    },
)
def send_delay_notice(
    tracking_number: TrackingNumber,
    delay: DelayNoticeCreate,
    session: SessionDep,
    agent: CurrentAgent,
    policies: PoliciesDep,
    notifications: NotificationsDep,
) -> ComplaintDetail:
    """The resolution deadline cannot be met: the customer is told the reason and the new date
    (a day, in the policy's time zone) at once; reminders and the escalation move to that date."""
    complaint = _get_or_404(session, tracking_number)
    policy = policies[complaint.policy]
    now = clock.now()
    try:
        complaint, planned = closing_loop.record_delay(
            session=session,
            complaint=complaint,
            delay=delay,
            policy=policy,
            planner=notifications.planner,
            actor=agent.actor,
            now=now,
        )
    except closing_loop.DelayNotAllowed as exc:
        raise HTTPException(status_code=HTTPStatus.CONFLICT, detail=str(exc)) from None
    notifications.wake(planned)
    log.info("delay notice tracking_number=%s by=%s", complaint.tracking_number, agent.actor)
    return complaint_detail(complaint, policy, now=now)


@router.post(
    "/{tracking_number}/notifications/{notification_id}/retry",
    responses={
        HTTPStatus.NOT_FOUND: {"description": "unknown tracking number or notification"},
        HTTPStatus.CONFLICT: {"description": "the notification has not failed"},
    },
)
def retry_notification(
    tracking_number: TrackingNumber,
    notification_id: int = Path(ge=1),
    *,
    session: SessionDep,
    agent: CurrentAgent,
    policies: PoliciesDep,
    notifications: NotificationsDep,
) -> ComplaintDetail:
    """Another round of attempts for a failed notification (after fixing an address or a
    sender's settings)."""
    complaint = _get_or_404(session, tracking_number)
    row = session.exec(
        select(Notification).where(Notification.id == notification_id, Notification.complaint_id == complaint.id)
    ).first()
    if row is None:
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="no such notification on this complaint")
    if row.state != NotificationState.failed:
        raise HTTPException(status_code=HTTPStatus.CONFLICT, detail=f"the notification is {row.state}, not failed")
    now = clock.now()
    row.state = NotificationState.planned
    row.attempts = 0
    row.attempt_at = now
    row.last_error = None
    session.add(row)
    session.flush()
    others = session.exec(
        select(sa.func.count())
        .select_from(Notification)
        .where(Notification.complaint_id == complaint.id, col(Notification.state) == NotificationState.failed)
    ).one()
    complaint.notification_failed = others > 0
    session.add(complaint)
    session.commit()
    notifications.wake([row])
    log.info("notification %s of %s retried by %s", row.id, complaint.tracking_number, agent.actor)
    return complaint_detail(complaint, policies[complaint.policy], now=now)


def _get_or_404(session: SessionDep, tracking_number: str) -> Complaint:
    complaint = complaint_service.get_complaint_by_tracking_number(
        session=session, tracking_number=tracking_number, for_update=True
    )
    if complaint is None:
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="unknown tracking number")
    return complaint
