"""The notifications of one backend process: the planner (used by the routes inside their
transactions), the dispatcher and, when SCHEDULER_ENABLED, APScheduler's wake-ups."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request

from backend.app.core import clock
from backend.app.core.metrics import Metrics
from backend.app.core.settings import Settings
from backend.app.notifications.dispatcher import Dispatcher
from backend.app.notifications.models import Notification, NotificationState
from backend.app.notifications.planner import Planner
from backend.app.notifications.scheduler import NotificationScheduler
from backend.app.policies.profile import PolicyProfile

log = logging.getLogger(__name__)

# Due within this: the dispatcher is woken at once instead of through a job.
_NOW = dt.timedelta(milliseconds=500)


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

    def wake(self, rows: Iterable[Notification]) -> None:
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
