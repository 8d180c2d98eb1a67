"""APScheduler 3.x in the backend: wake-ups for the notification dispatcher.

Jobs do not send anything: each one only wakes this process's dispatcher, which claims the
due rows in the database (backend.app.notifications.dispatcher). So:
- the job store is persistent (SQLAlchemyJobStore on the backend's database): a wake-up
  planned before a restart still fires after it, late if need be (misfire_grace_time=None,
  coalesce=True; `../shared/notes/channels-and-scheduling.md` measured that the default
  grace of 1 s drops a job missed while the process was down);
- one job per second that has something due (`notifications:wake:<UTC second>`, explicit id,
  replace_existing), plus an interval sweep every SCHEDULER_SWEEP_SECONDS that catches what
  no job points at (a process killed between committing a row and adding its job, an
  expired lease, a job another process added while this one slept);
- several backend processes may run a scheduler on the one job table. APScheduler does not
  support that: both run a due job, and the one that removes it second dies with
  JobLookupError (reproduced in the notes). `SharedJobStore` makes that harmless (a job
  already gone is fine, a database error is logged, not fatal); running a wake-up twice only
  wakes two dispatchers, and their claims keep every notification to one of them.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from backend.app.notifications.dispatcher import Dispatcher

log = logging.getLogger(__name__)
# A wake-up a second under load: APScheduler's "Added job / Running job / Removed job" lines
# would be most of the log.
for _name in ("apscheduler.scheduler", "apscheduler.executors.default"):
    logging.getLogger(_name).setLevel(logging.WARNING)

JOB_TABLE = "apscheduler_jobs"
SWEEP_JOB_ID = "notifications:sweep"
_STORE_RETRY = dt.timedelta(seconds=10)
_JOB_OPTIONS: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}

# The dispatchers of this process that a wake-up job wakes (a job is stored with a reference
# to `wake`, not to an object).
_dispatchers: weakref.WeakSet[Dispatcher] = weakref.WeakSet()
_registry_lock = threading.Lock()


def wake() -> None:
    """The job function of every notification job."""
    with _registry_lock:
        dispatchers = list(_dispatchers)
    for dispatcher in dispatchers:
        dispatcher.kick()


class SharedJobStore(SQLAlchemyJobStore):  # type: ignore[misc]
    """SQLAlchemyJobStore that tolerates other schedulers on the same table and a database that
    is briefly away (the scheduler thread must not die: the dispatcher's sweep is the safety
    net, not a substitute)."""

    def update_job(self, job: Any) -> None:
        try:
            super().update_job(job)
        except JobLookupError:
            log.debug("job %s already gone (another scheduler ran it)", job.id)
        except SQLAlchemyError as exc:
            log.warning("job store: update of %s failed: %s", job.id, type(exc).__name__)

    def remove_job(self, job_id: str) -> None:
        try:
            super().remove_job(job_id)
        except JobLookupError:
            log.debug("job %s already gone (another scheduler ran it)", job_id)
        except SQLAlchemyError as exc:
            log.warning("job store: removal of %s failed: %s", job_id, type(exc).__name__)

    def get_next_run_time(self) -> dt.datetime | None:
        try:
            return super().get_next_run_time()  # type: ignore[no-any-return]
        except SQLAlchemyError as exc:
            log.warning("job store unavailable (%s); retrying", type(exc).__name__)
            return dt.datetime.now(dt.UTC) + _STORE_RETRY


def wake_job_id(moment: dt.datetime) -> tuple[str, dt.datetime]:
    """The job of the whole second `moment` falls in (rounded up)."""
    second = math.ceil(moment.timestamp())
    at = dt.datetime.fromtimestamp(second, dt.UTC)
    return f"notifications:wake:{at:%Y%m%dT%H%M%S}", at


class NotificationScheduler:
    def __init__(self, engine: sa.Engine, dispatcher: Dispatcher, *, sweep_seconds: float) -> None:
        self.dispatcher = dispatcher
        self.sweep_seconds = sweep_seconds
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SharedJobStore(engine=engine, tablename=JOB_TABLE)},
            executors={"default": ThreadPoolExecutor(max_workers=4)},
            job_defaults=_JOB_OPTIONS,
            timezone=dt.UTC,
        )

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    def start(self) -> None:
        with _registry_lock:
            _dispatchers.add(self.dispatcher)
        self.dispatcher.start()
        self.scheduler.start()
        self.scheduler.add_job(
            wake,
            IntervalTrigger(seconds=self.sweep_seconds, timezone=dt.UTC),
            id=SWEEP_JOB_ID,
            name="notifications: sweep",
            replace_existing=True,
            **_JOB_OPTIONS,
        )
        # Whatever fell due while no process was running goes out now.
        self.dispatcher.kick()
        log.info("notification scheduler started (sweep every %s s)", self.sweep_seconds)

    def shutdown(self) -> None:
        with _registry_lock:
            _dispatchers.discard(self.dispatcher)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def wake_at(self, moments: Iterable[dt.datetime]) -> None:
        """A wake-up job for each whole second in `moments` (persistent, idempotent)."""
        jobs = dict(wake_job_id(moment) for moment in moments)
        for job_id, at in sorted(jobs.items(), key=lambda item: item[1]):
            try:
                self.scheduler.add_job(
                    wake,
                    DateTrigger(run_date=at, timezone=dt.UTC),
                    id=job_id,
                    name="notifications: wake",
                    replace_existing=True,
                    **_JOB_OPTIONS,
                )
            except SQLAlchemyError as exc:  # the sweep will find the row anyway
                log.warning("wake-up job %s not stored: %s", job_id, type(exc).__name__)


def store_wake_ups(engine: sa.Engine, moments: Iterable[dt.datetime]) -> None:
    """Adds wake-up jobs to the job table without running a scheduler here (tools, tests):
    whichever backend process runs a scheduler on this database fires them."""
    scheduler = BackgroundScheduler(
        jobstores={"default": SharedJobStore(engine=engine, tablename=JOB_TABLE)},
        job_defaults=_JOB_OPTIONS,
        timezone=dt.UTC,
    )
    scheduler.start(paused=True)
    try:
        for job_id, at in dict(wake_job_id(moment) for moment in moments).items():
            scheduler.add_job(
                wake, DateTrigger(run_date=at, timezone=dt.UTC), id=job_id, replace_existing=True, **_JOB_OPTIONS
            )
    finally:
        scheduler.shutdown(wait=False)
