"""Alerts' data functions: a person's inbox (unread, not snoozed), marking read, snoozing (the
console's routes and the staff Telegram bot call these), the failed alerts, and planning the
alert of a new waiting handoff. Nothing here commits unless the function says so."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, col, select

from backend.app.alerts import planner
from backend.app.alerts.models import Alert, AlertPublic, AlertRecipient, FailedAlertPublic
from backend.app.complaints.models import Complaint
from backend.app.handoff.models import Handoff
from backend.app.notifications.models import Notification, NotificationState

INBOX_LIMIT = 200


class UnknownAlert(LookupError):
    """No such alert in this agent's inbox."""


def _public(recipient: AlertRecipient, alert: Alert, tracking_number: str | None) -> AlertPublic:
    assert recipient.id is not None and alert.id is not None
    return AlertPublic(
        id=recipient.id,
        alert_id=alert.id,
        kind=alert.kind,
        policy=alert.policy,
        tracking_number=tracking_number,
        handoff_id=alert.handoff_id,
        deadline=alert.deadline,
        reason=recipient.reason,
        title=recipient.title,
        text=recipient.text,
        created_at=recipient.created_at,
        read_at=recipient.read_at,
        snoozed_until=recipient.snoozed_until,
        routes=recipient.routes,
    )


def inbox(*, session: Session, agent_id: int, now: dt.datetime, include_read: bool = False) -> list[AlertPublic]:
    """The agent's alerts, newest first: unread and not snoozed (a snoozed one comes back when
    its time is up), or every one with `include_read`."""
    statement = (
        select(AlertRecipient, Alert, Complaint.tracking_number)
        .join(Alert, col(Alert.id) == col(AlertRecipient.alert_id))
        .join(Complaint, col(Complaint.id) == col(Alert.complaint_id), isouter=True)
        .where(AlertRecipient.agent_id == agent_id)
        .order_by(col(AlertRecipient.created_at).desc(), col(AlertRecipient.id).desc())
        .limit(INBOX_LIMIT)
    )
    if not include_read:
        statement = statement.where(
            col(AlertRecipient.read_at).is_(None),
            sa.or_(col(AlertRecipient.snoozed_until).is_(None), col(AlertRecipient.snoozed_until) <= now),
        )
    return [_public(recipient, alert, number) for recipient, alert, number in session.exec(statement).all()]


def stored_since(*, session: Session, since: dt.datetime) -> list[tuple[int, AlertPublic]]:
    """[(agent id, alert)] stored in inboxes since `since` (the console's live feed)."""
    rows = session.exec(
        select(AlertRecipient, Alert, Complaint.tracking_number)
        .join(Alert, col(Alert.id) == col(AlertRecipient.alert_id))
        .join(Complaint, col(Complaint.id) == col(Alert.complaint_id), isouter=True)
        .where(col(AlertRecipient.created_at) >= since)
        .order_by(col(AlertRecipient.created_at), col(AlertRecipient.id))
    ).all()
    return [(recipient.agent_id, _public(recipient, alert, number)) for recipient, alert, number in rows]


def unread_count(*, session: Session, agent_id: int, now: dt.datetime) -> int:
    return int(
        session.exec(
            select(sa.func.count())
            .select_from(AlertRecipient)
            .where(
                AlertRecipient.agent_id == agent_id,
                col(AlertRecipient.read_at).is_(None),
                sa.or_(col(AlertRecipient.snoozed_until).is_(None), col(AlertRecipient.snoozed_until) <= now),
            )
        ).one()
    )


def get_mine(*, session: Session, recipient_id: int, agent_id: int) -> AlertRecipient:
    row = session.get(AlertRecipient, recipient_id)
    if row is None or row.agent_id != agent_id:
        raise UnknownAlert("no such alert in your inbox")
    return row


def mark_read(*, session: Session, recipient_id: int, agent_id: int, now: dt.datetime) -> AlertRecipient:
    """Commits; reading again keeps the first moment."""
    row = get_mine(session=session, recipient_id=recipient_id, agent_id=agent_id)
    if row.read_at is None:
        row.read_at = now
        session.add(row)
        session.commit()
        session.refresh(row)
    return row


def snooze(*, session: Session, alert_id: int, agent_id: int, until: dt.datetime) -> AlertRecipient:
    """Hides the agent's copy of the alert until `until` (then it is unread again). `alert_id`
    is the alert's id (what the staff bot's buttons carry); commits."""
    row = session.exec(
        select(AlertRecipient).where(AlertRecipient.alert_id == alert_id, AlertRecipient.agent_id == agent_id)
    ).first()
    if row is None:
        raise UnknownAlert("no such alert in your inbox")
    row.snoozed_until = until
    row.read_at = None
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def failed(*, session: Session, limit: int = 200) -> list[FailedAlertPublic]:
    """Alerts nobody could receive, newest first (the console's failed view)."""
    rows = session.exec(
        select(Alert, Complaint.tracking_number)
        .join(Complaint, col(Complaint.id) == col(Alert.complaint_id), isouter=True)
        .where(Alert.state == NotificationState.failed)
        .order_by(col(Alert.due_at).desc(), col(Alert.id).desc())
        .limit(limit)
    ).all()
    return [
        FailedAlertPublic(
            id=alert.id or 0,
            kind=alert.kind,
            policy=alert.policy,
            tracking_number=number,
            handoff_id=alert.handoff_id,
            deadline=alert.deadline,
            due_at=alert.due_at,
            last_error=alert.last_error,
        )
        for alert, number in rows
    ]


class NotFailed(Exception):
    pass


def retry_failed(*, session: Session, alert_id: int, now: dt.datetime) -> Alert:
    """Another try of an alert nobody could receive (someone joined the team since): planned
    again from now; its complaint leaves the failed view unless something else failed. Commits;
    the caller wakes the dispatcher."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise UnknownAlert("no such alert")
    if alert.state != NotificationState.failed:
        raise NotFailed(f"the alert is {alert.state}, not failed")
    alert.state = NotificationState.planned
    alert.attempt_at = now
    alert.last_error = None
    session.add(alert)
    session.flush()
    if alert.complaint_id is not None:
        others = sum(  # the complaint's failures left
            session.exec(
                select(sa.func.count())
                .select_from(table)
                .where(
                    table.complaint_id == alert.complaint_id,  # type: ignore[attr-defined]
                    table.state == NotificationState.failed,  # type: ignore[attr-defined]
                )
            ).one()
            for table in (Notification, Alert)
        )
        complaint = session.get(Complaint, alert.complaint_id)
        if complaint is not None:
            complaint.notification_failed = others > 0
            session.add(complaint)
    session.commit()
    session.refresh(alert)
    return alert


def plan_handoff_waiting(
    *, session: Session, handoff: Handoff, complaint: Complaint | None, now: dt.datetime
) -> list[planner.Due]:
    """The alert of a conversation that joined the queue; commits."""
    due = planner.on_handoff_waiting(session, handoff, complaint, now=now)
    session.commit()
    return due
