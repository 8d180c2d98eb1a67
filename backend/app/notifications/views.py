"""Agents and the notifications of a complaint: a delay notice to the customer, and another
try of a notification that failed."""

import logging
from http import HTTPStatus

from fastapi import APIRouter, Path

from backend.app.accounts.deps import CurrentAgent
from backend.app.complaints import closing_loop, flows
from backend.app.complaints.deps import TrackingNumber, complaint_or_404
from backend.app.complaints.models import ComplaintDetail, DelayNoticeCreate
from backend.app.complaints.presenters import complaint_detail
from backend.app.core import clock
from backend.app.core.deps import SessionDep
from backend.app.core.errors import refusals
from backend.app.notifications.service import NotFailed, NotificationsDep, UnknownNotification
from backend.app.policies.deps import PoliciesDep

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
    complaint = complaint_or_404(session, tracking_number, for_update=True)
    policy = policies[complaint.policy]
    now = clock.now()
    with refusals({closing_loop.DelayNotAllowed: HTTPStatus.CONFLICT}):
        complaint = flows.send_delay_notice(
            session=session,
            complaint=complaint,
            delay=delay,
            policy=policy,
            actor=agent.actor,
            notifications=notifications,
            now=now,
        )
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
    complaint = complaint_or_404(session, tracking_number, for_update=True)
    now = clock.now()
    with refusals({UnknownNotification: HTTPStatus.NOT_FOUND, NotFailed: HTTPStatus.CONFLICT}):
        row = notifications.retry(session=session, complaint=complaint, notification_id=notification_id, now=now)
    log.info("notification %s of %s retried by %s", row.id, complaint.tracking_number, agent.actor)
    return complaint_detail(complaint, policies[complaint.policy], now=now)
