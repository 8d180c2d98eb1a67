"""The notifications of one backend process: the planner (used by the flows inside their
transactions), the dispatcher and, when SCHEDULER_ENABLED, APScheduler's wake-ups; and
another round of attempts for a notification that failed."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlmodel import Session, col, select

from backend.app.alerts.models import Alert
from backend.app.complaints.models import Complaint
from backend.app.core import clock
from backend.app.core.metrics import Metrics
from backend.app.core.settings import Settings
from backend.app.notifications.dispatcher import Dispatcher
from backend.app.notifications.models import Notification, NotificationState
from backend.app.notifications.planner import Planned, Planner
from backend.app.notifications.scheduler import NotificationScheduler
from backend.app.policies.profile import PolicyProfile

log = logging.getLogger(__name__)

# Due within this: the dispatcher is woken at once instead of through a job.
_NOW = dt.timedelta(milliseconds=500)


class UnknownNotification(Exception):
    pass


class NotFailed(Exception):
    pass


class NotificationService:
    def __init__(
        self,
        engine: sa.Engine,
        settings: Settings,
        policies: Mapping[str, PolicyProfile],
        *,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.planner = Planner(settings)
        self.dispatcher = Dispatcher(engine, settings, policies, self.planner, on_retry=self.wake_at, metrics=metrics)
        self.scheduler = (
            NotificationScheduler(engine, self.dispatcher, sweep_seconds=settings.scheduler_sweep_seconds)
            if settings.scheduler_enabled
            else None
        )

    def start(self) -> None:
        if self.scheduler is not None:
            self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown()
        self.dispatcher.stop()

    @contextmanager
    def planning(self) -> Iterator[list[Planned]]:
        """For a flow that plans notifications inside its transaction: collect them in the list
        this yields; when the block ends without an error (it committed), the dispatcher is
        woken for them."""
        planned: list[Planned] = []
        yield planned
        self.wake(planned)

    def retry(self, *, session: Session, complaint: Complaint, notification_id: int, now: dt.datetime) -> Notification:
        """Another round of attempts for a failed notification of this complaint, from now."""
        row = session.exec(
            select(Notification).where(Notification.id == notification_id, Notification.complaint_id == complaint.id)
        ).first()
        if row is None:
            raise UnknownNotification("no such notification on this complaint")
        if row.state != NotificationState.failed:
            raise NotFailed(f"the notification is {row.state}, not failed")
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
        # A failed alert about the complaint keeps it in the failed view (backend/app/alerts).
        others += session.exec(
            select(sa.func.count())
            .select_from(Alert)
            .where(Alert.complaint_id == complaint.id, col(Alert.state) == NotificationState.failed)
        ).one()
        complaint.notification_failed = others > 0
        session.add(complaint)
        session.commit()
        self.wake([row])
        return row

    def wake(self, rows: Iterable[Planned]) -> None:
        """After the commit that planned `rows`: send what is due now, set wake-ups for the rest."""
        self.wake_at(row.attempt_at for row in rows if row.state == NotificationState.planned)

    def wake_at(self, moments: Iterable[dt.datetime]) -> None:
        if self.scheduler is None or not self.scheduler.running:
            return  # no scheduler in this process: another one's sweep finds the rows
        now = clock.now()
        later = []
        due_now = False
        for moment in moments:
            if moment <= now + _NOW:
                due_now = True
            else:
                later.append(moment)
        if due_now:
            self.dispatcher.kick()
        if later:
            self.scheduler.wake_at(later)


def get_notifications(request: Request) -> NotificationService:
    service: NotificationService = request.app.state.notifications
    return service


NotificationsDep = Annotated[NotificationService, Depends(get_notifications)]
