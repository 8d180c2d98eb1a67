"""When alerts are due, and making each one exactly once.

- Deadline alerts follow the complaint's state like the customer's scheduled notices do:
  `replan` (called by notifications.planner.Planner.replan inside every flow's transaction)
  wants a due-soon alert on the morning of each open deadline's day (REMINDER_LOCAL_TIME in
  the policy's time zone) and a breach alert a second after it, cancels the planned ones no
  longer wanted and adds the missing ones. `still_wanted` asks again when one is claimed.
- Event alerts (a waiting handoff, a rejection, a dispute, a notification failed for good) are
  due at once.

Every alert has a key: kind, complaint or handoff, deadline and its moment (or the event's
count). Rows are inserted with ON CONFLICT (key) DO NOTHING, so two processes planning the same
breach make one row, and the dispatcher's claim sends it once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from backend.app.alerts.models import Alert, AlertKind
from backend.app.complaints.models import Complaint
from backend.app.core.settings import Settings
from backend.app.handoff.models import Handoff, HandoffStatus
from backend.app.notifications.models import NotificationKind, NotificationState
from backend.app.policies.profile import PolicyProfile
from contract.statuses import RESOLUTION_STOPPED, ComplaintStatus

A = Alert.__table__  # type: ignore[attr-defined]
DEADLINE_KINDS = (AlertKind.deadline_due_soon.value, AlertKind.deadline_breached.value)
ONE_SECOND = dt.timedelta(seconds=1)


@dataclass(frozen=True)
class Due:
    """A planned alert's moment (what the notifications' wake-ups need)."""

    attempt_at: dt.datetime
    state: NotificationState = NotificationState.planned


@dataclass(frozen=True)
class Spec:
    kind: AlertKind
    deadline: str
    deadline_at: dt.datetime
    due_at: dt.datetime

    def key(self, complaint_id: int) -> str:
        moment = self.deadline_at.astimezone(dt.UTC)  # a deadline may come in the policy's zone
        return f"{self.kind.value}:c{complaint_id}:{self.deadline}:{moment:%Y%m%dT%H%M%SZ}"


def local_at(policy: PolicyProfile, moment: dt.datetime, at: dt.time) -> dt.datetime:
    """`at` o'clock on the local day of `moment`, in the policy's time zone, as UTC."""
    day = policy.local(moment).date()
    return dt.datetime.combine(day, at, tzinfo=policy.tz).astimezone(dt.UTC)


def customer_updated(complaint: Complaint) -> bool:
    """The customer heard how it goes: a progress update was sent (the policy's or an agent's)."""
    return any(
        row.kind == NotificationKind.progress_update and row.state == NotificationState.sent
        for row in complaint.notifications
    )


def open_deadlines(complaint: Complaint) -> list[tuple[str, dt.datetime]]:
    """The deadlines still to be met: (column, moment)."""
    stopped = ComplaintStatus(complaint.status) in RESOLUTION_STOPPED
    found: list[tuple[str, dt.datetime]] = []
    if complaint.acknowledged_at is None:
        found.append(("acknowledge_by", complaint.acknowledge_by))
    if not stopped:
        if complaint.investigate_by is not None:
            found.append(("investigate_by", complaint.investigate_by))
        if complaint.progress_update_by is not None and not customer_updated(complaint):
            found.append(("progress_update_by", complaint.progress_update_by))
        found.append(("resolve_by", complaint.delayed_to or complaint.resolve_by))
    return found


def desired(complaint: Complaint, policy: PolicyProfile, settings: Settings, *, now: dt.datetime) -> list[Spec]:
    specs = []
    for deadline, moment in open_deadlines(complaint):
        morning = local_at(policy, moment, settings.reminder_local_time)
        if morning < moment and moment > now:
            specs.append(Spec(AlertKind.deadline_due_soon, deadline, moment, morning))
        specs.append(Spec(AlertKind.deadline_breached, deadline, moment, moment + ONE_SECOND))
    return specs


def insert(session_or_connection: Session | sa.Connection, rows: Iterable[dict[str, Any]]) -> int:
    """Inserts alert rows, skipping those whose key exists: how many were new."""
    values = list(rows)
    if not values:
        return 0
    bind = session_or_connection.get_bind() if isinstance(session_or_connection, Session) else session_or_connection
    dialect = postgresql if bind.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(A).values(values).on_conflict_do_nothing(index_elements=["key"]).returning(A.c.id)
    # RETURNING, not rowcount: psycopg's multi-row inserts answer rowcount -1.
    return len(session_or_connection.execute(statement).all())


def _row(
    *,
    key: str,
    kind: AlertKind,
    policy: str,
    now: dt.datetime,
    due_at: dt.datetime | None = None,
    complaint_id: int | None = None,
    handoff_id: int | None = None,
    deadline: str | None = None,
    deadline_at: dt.datetime | None = None,
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    due = due_at or now
    return {
        "key": key,
        "kind": kind.value,
        "policy": policy,
        "complaint_id": complaint_id,
        "handoff_id": handoff_id,
        "deadline": deadline,
        "deadline_at": deadline_at,
        "created_at": now,
        "due_at": due,
        "attempt_at": due,
        "state": NotificationState.planned.value,
        "attempts": 0,
        "payload": {k: v for k, v in (payload or {}).items() if v is not None} or None,
    }


def replan(
    session: Session, complaint: Complaint, policy: PolicyProfile, settings: Settings, *, now: dt.datetime
) -> list[Due]:
    """The complaint's deadline alerts after a change: cancels planned ones no longer wanted,
    adds (or revives) the wanted ones; returns the moments of those added."""
    assert complaint.id is not None
    wanted = {spec.key(complaint.id): spec for spec in desired(complaint, policy, settings, now=now)}
    rows = session.exec(
        select(Alert).where(Alert.complaint_id == complaint.id, col(Alert.kind).in_(DEADLINE_KINDS))
    ).all()
    present: set[str] = set()
    added: list[Due] = []
    for row in rows:
        if row.state == NotificationState.planned and row.key not in wanted:
            row.state = NotificationState.cancelled
            row.last_error = "no longer wanted (status or deadline changed)"
            session.add(row)
        elif row.state == NotificationState.cancelled and row.key in wanted:
            row.state = NotificationState.planned  # the deadline came back (a status went back)
            row.attempt_at = row.due_at
            row.last_error = None
            session.add(row)
            added.append(Due(row.attempt_at))
        present.add(row.key)
    new = [
        _row(
            key=key,
            kind=spec.kind,
            policy=policy.id,
            now=now,
            due_at=spec.due_at,
            complaint_id=complaint.id,
            deadline=spec.deadline,
            deadline_at=spec.deadline_at,
        )
        for key, spec in wanted.items()
        if key not in present
    ]
    if new:
        session.flush()
        insert(session, new)
        added.extend(Due(row["attempt_at"]) for row in new)
    return added


def still_wanted(
    session: Session,
    alert: Alert,
    complaint: Complaint | None,
    handoff: Handoff | None,
    policy: PolicyProfile,
    settings: Settings,
    *,
    now: dt.datetime,
) -> bool:
    """Asked when the alert is claimed: what it tells may no longer be true."""
    kind = AlertKind(alert.kind)
    if kind.value in DEADLINE_KINDS:
        if complaint is None or complaint.id is None:
            return False
        return alert.key in {spec.key(complaint.id) for spec in desired(complaint, policy, settings, now=now)}
    if kind is AlertKind.handoff_waiting:
        return handoff is not None and handoff.status == HandoffStatus.waiting
    if kind is AlertKind.dispute:
        return complaint is not None and ComplaintStatus(complaint.status) is ComplaintStatus.disputed
    return complaint is not None or handoff is not None


# --- events ---------------------------------------------------------------------------------------


def on_customer_decision(
    session: Session, complaint: Complaint, *, approved: bool, reason: str | None, now: dt.datetime
) -> list[Due]:
    """A rejection (the complaint is reopened) or a dispute: an alert at once."""
    status = ComplaintStatus(complaint.status)
    if approved or status not in (ComplaintStatus.reopened, ComplaintStatus.disputed):
        return []
    kind = AlertKind.rejection if status is ComplaintStatus.reopened else AlertKind.dispute
    key = f"{kind.value}:c{complaint.id}:{complaint.rejections}"
    session.flush()
    insert(
        session,
        [
            _row(
                key=key,
                kind=kind,
                policy=complaint.policy,
                now=now,
                complaint_id=complaint.id,
                payload={"reason": reason},
            )
        ],
    )
    return [Due(now)]


def on_handoff_waiting(
    session: Session, handoff: Handoff, complaint: Complaint | None, *, now: dt.datetime
) -> list[Due]:
    """A conversation joined the queue; committed by the caller."""
    key = f"{AlertKind.handoff_waiting.value}:h{handoff.id}:{handoff.requested_at.astimezone(dt.UTC):%Y%m%dT%H%M%S%f}"
    insert(
        session,
        [
            _row(
                key=key,
                kind=AlertKind.handoff_waiting,
                policy=handoff.policy,
                now=now,
                handoff_id=handoff.id,
                complaint_id=None if complaint is None else complaint.id,
                payload={"channel": handoff.channel, "reason": handoff.reason},
            )
        ],
    )
    return [Due(now)]


def on_notifications_failed(connection: sa.Connection, failed: list[tuple[int, int, str]], now: dt.datetime) -> int:
    """Inside the dispatcher's record transaction: an alert per customer notification that
    failed for good, [(notification id, complaint id, kind)]."""
    if not failed:
        return 0
    C = Complaint.__table__  # type: ignore[attr-defined]
    policies = dict(
        connection.execute(sa.select(C.c.id, C.c.policy).where(C.c.id.in_({c for _, c, _ in failed}))).all()
    )
    return insert(
        connection,
        [
            _row(
                key=f"{AlertKind.notification_failed.value}:n{notification_id}:{now:%Y%m%dT%H%M%S%f}",
                kind=AlertKind.notification_failed,
                policy=policies[complaint_id],
                now=now,
                complaint_id=complaint_id,
                payload={"notification": kind},
            )
            for notification_id, complaint_id, kind in failed
            if complaint_id in policies
        ],
    )
