"""Sends due notifications: claim in the database (outbox.py), prepare (compose.py), send
through the routes' senders, record.

The price of claims with leases is at-least-once at one edge: a message handed over just
before a process is killed is sent again once the lease ran out. Where the channel allows it
the second send is recognised: the Rasa sender finds the notification's key in the
conversation's tracker and does not send again; an e-mail keeps its Message-ID; the SMS
gateway gets the key as Idempotency-Key. A Telegram or WhatsApp template message sent twice is
sent twice.

A failed attempt is retried after NOTIFICATION_RETRY_SECONDS * 2^(n-1) (capped); after
NOTIFICATION_MAX_ATTEMPTS the row is `failed` and the complaint shows `notification_failed`.

Sending runs on an asyncio loop in a thread of its own (`start`); the database work runs in
worker threads so that sends keep flowing while a batch is claimed or recorded.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from backend.app.alerts.delivery import AlertComposer, AlertOutbox, AlertOutcome, PreparedAlert, cancelled, deliver
from backend.app.alerts.models import Alert
from backend.app.core import clock
from backend.app.core.metrics import Metrics
from backend.app.core.settings import Settings
from backend.app.notifications.compose import Composer, Prepared
from backend.app.notifications.models import (
    Notification,
    NotificationKind,
    NotificationState,
)
from backend.app.notifications.outbox import Outbox, Outcome, worker_name
from backend.app.notifications.outgoing import Permanent, SendError, Transient
from backend.app.notifications.planner import Planner
from backend.app.notifications.senders import Senders
from backend.app.policies.profile import PolicyProfile

log = logging.getLogger(__name__)


# A bit of slack for the recorder: outcomes are written in one transaction per this many.
_RECORD_BATCH = 100
_RECORD_EVERY = 0.05  # seconds


@dataclass
class DrainStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0

    def add(self, outcome: Outcome | AlertOutcome) -> None:
        if outcome.state is NotificationState.sent:
            self.sent += 1
        elif outcome.state is NotificationState.planned:
            self.retried += 1
        elif outcome.state is NotificationState.failed:
            self.failed += 1
        elif outcome.state is NotificationState.cancelled:
            self.cancelled += 1


class Dispatcher:
    def __init__(
        self,
        engine: sa.Engine,
        settings: Settings,
        policies: Mapping[str, PolicyProfile],
        planner: Planner,
        *,
        on_retry: Callable[[Iterable[dt.datetime]], None] | None = None,
        worker: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.policies = policies
        self.planner = planner
        self.on_retry = on_retry
        self.metrics = metrics
        self.worker = worker or worker_name()
        self.outbox = Outbox(engine, self.worker, settings.notification_lease_seconds)
        # The staff's alerts: the same claim (Outbox on the alert table), in this same loop.
        self.alert_outbox = AlertOutbox(engine, self.worker, settings.notification_lease_seconds)
        self.composer = Composer(policies, planner)
        self.alert_composer = AlertComposer(settings, policies)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._senders: Senders | None = None
        self._drain_task: asyncio.Task[DrainStats] | None = None
        self._again = False
        self._start_lock = threading.Lock()

    # --- the loop thread ---------------------------------------------------------------------

    def start(self) -> None:
        with self._start_lock:
            if self._thread is not None:
                return
            ready = threading.Event()

            def run() -> None:
                loop = asyncio.new_event_loop()
                asyncio.set_event_loop(loop)
                self._loop = loop
                ready.set()
                loop.run_forever()
                loop.close()

            self._thread = threading.Thread(target=run, name="notification-dispatcher", daemon=True)
            self._thread.start()
            ready.wait()

    def stop(self, timeout: float = 10) -> None:
        with self._start_lock:
            loop, thread = self._loop, self._thread
            if loop is None or thread is None:
                return

            async def finish() -> None:
                if self._drain_task is not None:
                    self._drain_task.cancel()
                    try:
                        await self._drain_task
                    except BaseException:  # noqa: BLE001 - stopping
                        pass
                if self._senders is not None:
                    await self._senders.close()
                    self._senders = None

            try:
                asyncio.run_coroutine_threadsafe(finish(), loop).result(timeout)
            except (concurrent.futures.TimeoutError, RuntimeError):
                log.warning("dispatcher did not stop cleanly within %s s", timeout)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
            self._loop = self._thread = None

    def kick(self) -> None:
        """Look for due notifications now (thread-safe, returns at once)."""
        self.start()
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._ensure_drain)

    def _ensure_drain(self) -> None:
        if self._drain_task is not None and not self._drain_task.done():
            self._again = True
            return
        self._drain_task = asyncio.get_running_loop().create_task(self._drain())

    def run_due(self, timeout: float = 120) -> DrainStats:
        """Sends everything due at the clock's now and returns when done (tests, the bench)."""
        self.start()
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(self._drain(), self._loop).result(timeout)

    # --- draining ---------------------------------------------------------------------------------

    async def _drain(self) -> DrainStats:
        if self._senders is None:
            self._senders = Senders(self.settings, self.engine)
        stats = DrainStats()
        concurrency = self.settings.notification_concurrency
        tasks: set[asyncio.Task[Outcome | AlertOutcome]] = set()
        done: list[Outcome | AlertOutcome] = []
        last_record = time.monotonic()
        exhausted = False
        try:
            while True:
                free = concurrency - len(tasks)
                claimed: list[Prepared | PreparedAlert] = []
                if not exhausted and (free >= max(1, concurrency // 2) or not tasks):
                    claimed = await asyncio.to_thread(
                        self._claim_and_prepare, min(free, self.settings.notification_batch_size)
                    )
                    stats.claimed += len(claimed)
                    exhausted = not claimed
                    for item in claimed:
                        if isinstance(item, PreparedAlert):
                            if item.cancel_reason is not None:
                                done.append(cancelled(item))
                            else:
                                tasks.add(asyncio.create_task(deliver(item, self._senders.get, self.worker)))
                        elif item.message is None:
                            done.append(self._cancelled_or_unroutable(item))
                        else:
                            tasks.add(asyncio.create_task(self._deliver(item)))
                if tasks:
                    finished, _ = await asyncio.wait(tasks, timeout=_RECORD_EVERY, return_when=asyncio.FIRST_COMPLETED)
                    for task in finished:
                        tasks.discard(task)
                        done.append(task.result())
                if done and (len(done) >= _RECORD_BATCH or not tasks or time.monotonic() - last_record > _RECORD_EVERY):
                    batch, done = done, []
                    await asyncio.to_thread(self._record, batch)
                    for outcome in batch:
                        stats.add(outcome)
                    last_record = time.monotonic()
                if exhausted and not tasks and not done:
                    if self._again:
                        self._again = False
                        exhausted = False
                        continue
                    return stats
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            raise
        except Exception:
            log.exception("notification dispatch failed; the sweep will try again")
            return stats

    # --- claim and prepare ---------------------------------------------------------------------------

    def claim(self, limit: int, now: dt.datetime) -> list[tuple[int, bool]]:
        """Claims up to `limit` due rows: [(id, reclaimed)]; reclaimed = its lease had run out."""
        return self.outbox.claim(limit, now)

    def _claim_and_prepare(self, limit: int) -> list[Prepared | PreparedAlert]:
        now = clock.now()
        claimed = self.claim(limit, now)
        alerts = self.alert_outbox.claim(limit - len(claimed), now) if len(claimed) < limit else []
        if not claimed and not alerts:
            return []
        reclaimed = dict(claimed)
        prepared: list[Prepared | PreparedAlert] = []
        with Session(self.engine, expire_on_commit=False) as session:
            if reclaimed:
                rows = session.exec(
                    select(Notification)
                    .where(col(Notification.id).in_(list(reclaimed)))
                    .options(selectinload(Notification.complaint))  # type: ignore[arg-type]
                ).all()
                prepared.extend(self.composer.prepare(session, row, reclaimed[row.id], now) for row in rows)  # type: ignore[index]
            if alerts:
                alert_rows = session.exec(select(Alert).where(col(Alert.id).in_([a for a, _ in alerts]))).all()
                prepared.extend(self.alert_composer.prepare(session, row, now) for row in alert_rows)
        return prepared

    def _cancelled_or_unroutable(self, item: Prepared) -> Outcome:
        now = clock.now()
        if item.cancel_reason is not None:
            return Outcome(
                item.id,
                item.complaint_id,
                NotificationState.cancelled,
                None,
                last_error=item.cancel_reason,
                log=[self._attempt(item, now, "-", "cancelled", item.cancel_reason)],
                kind=item.kind,
            )
        reason = "no way to reach the customer: no conversation, e-mail address or phone number"
        return Outcome(
            item.id,
            item.complaint_id,
            NotificationState.failed,
            None,
            last_error=reason,
            log=[self._attempt(item, now, "-", "error", reason)],
            kind=item.kind,
        )

    # --- send -------------------------------------------------------------------------------------

    async def _deliver(self, item: Prepared) -> Outcome:
        assert self._senders is not None and item.message is not None
        final = item.attempts >= self.settings.notification_max_attempts
        attempts: list[dict[str, Any]] = []
        last_error = "no route"
        retry_after: float | None = None
        for position, route in enumerate(item.chain):
            try:
                detail = await self._senders.get(route).send(item.message)
            except Permanent as exc:
                attempts.append(self._attempt(item, clock.now(), route, "error", str(exc)))
                last_error = f"{route}: {exc}"
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - every other failure is worth a retry
                error = str(exc) if isinstance(exc, Transient) else f"{type(exc).__name__}"
                retry_after = exc.retry_after if isinstance(exc, SendError) else None
                attempts.append(self._attempt(item, clock.now(), route, "error", error))
                last_error = f"{route}: {error}"
                if final and position < len(item.chain) - 1:
                    continue  # the last attempt: the next route may still get through
                if final:
                    break
                now = clock.now()
                delay = min(
                    self.settings.notification_retry_seconds * 2 ** (item.attempts - 1),
                    self.settings.notification_retry_max_seconds,
                )
                delay = max(delay, retry_after or 0)
                log.info(
                    "notification %s (%s) attempt %s failed on %s, retry in %.0f s",
                    item.id,
                    item.kind,
                    item.attempts,
                    route,
                    delay,
                )
                return Outcome(
                    item.id,
                    item.complaint_id,
                    NotificationState.planned,
                    item.chain[0],
                    attempt_at=now + dt.timedelta(seconds=delay),
                    last_error=last_error[:500],
                    log=attempts,
                    kind=item.kind,
                )
            else:
                now = clock.now()
                attempts.append(self._attempt(item, now, route, "sent", detail))
                return Outcome(
                    item.id,
                    item.complaint_id,
                    NotificationState.sent,
                    route,
                    sent_at=now,
                    log=attempts,
                    history_note=self._history_note(item, route),
                    complaint_status=item.complaint_status,
                    kind=item.kind,
                )
        log.warning("notification %s (%s) failed for good: %s", item.id, item.kind, last_error)
        return Outcome(
            item.id,
            item.complaint_id,
            NotificationState.failed,
            item.chain[0],
            last_error=last_error[:500],
            log=attempts,
            kind=item.kind,
        )

    def _attempt(self, item: Prepared, at: dt.datetime, route: str, outcome: str, detail: str | None) -> dict[str, Any]:
        return {
            "notification_id": item.id,
            "complaint_id": item.complaint_id,
            "at": at,
            "channel": route,
            "outcome": outcome,
            "detail": (detail or "")[:500] or None,
            "worker": self.worker,
        }

    @staticmethod
    def _history_note(item: Prepared, route: str) -> str | None:
        if item.kind != NotificationKind.escalation:
            return None
        if item.deadline is None:
            return f"disputed: the supervisor was told ({route})"
        return f"{item.deadline} passed: escalated to the supervisor ({route})"

    # --- record -----------------------------------------------------------------------------------

    def _count(self, outcomes: Iterable[Outcome]) -> None:
        """After the commit: sent, and failed for good (retries and cancellations are neither).
        A send whose outcome lost the fence (its lease ran out meanwhile) happened all the same."""
        if self.metrics is None:
            return
        for outcome in outcomes:
            if outcome.state in (NotificationState.sent, NotificationState.failed):
                self.metrics.notification_outcome(
                    outcome.kind, outcome.channel, sent=outcome.state is NotificationState.sent
                )

    def _record(self, both: list[Outcome | AlertOutcome]) -> None:
        outcomes = [outcome for outcome in both if isinstance(outcome, Outcome)]
        alerts = [outcome for outcome in both if isinstance(outcome, AlertOutcome)]
        if outcomes:
            self.outbox.record(outcomes)
            self._count(outcomes)
            if any(outcome.state is NotificationState.failed for outcome in outcomes):
                self._again = True  # the notification_failed alerts just planned go out now
        if alerts:
            self.alert_outbox.record(alerts)
        retries = [outcome.attempt_at for outcome in outcomes if outcome.attempt_at is not None]
        if retries and self.on_retry is not None:
            self.on_retry(retries)
