"""Sends due notifications: claim in the database, send, record.

Claiming makes a notification one dispatcher's, whichever process it runs in:
- PostgreSQL: `UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)`: concurrent dispatchers
  take disjoint rows without waiting for each other;
- SQLite: the candidates are read, then `UPDATE ... WHERE id IN (...) AND <still due>`
  takes those still claimable (SQLite runs one writer at a time; the condition is evaluated
  by the UPDATE itself).
A claim is a lease (NOTIFICATION_LEASE_SECONDS). A process killed mid-send leaves the row
`claimed`; once the lease has run out any dispatcher claims it again, so nothing is lost.
The price is at-least-once at that one edge: a message handed over just before the kill is
sent again. Where the channel allows it the second send is recognised: the Rasa sender finds
the notification's key in the conversation's tracker and does not send again; an e-mail
keeps its Message-ID; the SMS gateway gets the key as Idempotency-Key. A Telegram or WhatsApp
template message sent twice is sent twice.

The outcome is written with a fence (`claimed_by` = this dispatcher, state still `claimed`),
so a dispatcher whose lease ran out cannot overwrite the one that took the row over.

A failed attempt is retried after NOTIFICATION_RETRY_SECONDS * 2^(n-1) (capped); after
NOTIFICATION_MAX_ATTEMPTS the row is `failed` and the complaint shows `notification_failed`.
Every attempt of every route is a row of `notification_attempt`.

Sending runs on an asyncio loop in a thread of its own (`start`); the database work runs in
worker threads so that sends keep flowing while a batch is claimed or recorded.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from backend.app.complaints.models import Complaint, HistoryKind, StatusChange
from backend.app.core import clock
from backend.app.core.metrics import Metrics
from backend.app.core.settings import Settings
from backend.app.notifications.models import (
    Notification,
    NotificationAttempt,
    NotificationAudience,
    NotificationKind,
    NotificationState,
)
from backend.app.notifications.outgoing import Outgoing, Permanent, SendError, Transient
from backend.app.notifications.planner import Planner
from backend.app.notifications.senders import Senders
from backend.app.notifications.texts import context_for, format_date, load_texts, template_for
from backend.app.policies.profile import PolicyProfile
from contract.statuses import Channel, ComplaintStatus, Language

log = logging.getLogger(__name__)

N = Notification.__table__  # type: ignore[attr-defined]
A = NotificationAttempt.__table__  # type: ignore[attr-defined]
C = Complaint.__table__  # type: ignore[attr-defined]
H = StatusChange.__table__  # type: ignore[attr-defined]

# A bit of slack for the recorder: outcomes are written in one transaction per this many.
_RECORD_BATCH = 100
_RECORD_EVERY = 0.05  # seconds


@dataclass
class Prepared:
    id: int
    complaint_id: int
    attempts: int
    kind: str
    deadline: str | None
    complaint_status: str
    chain: list[str] = field(default_factory=list)
    message: Outgoing | None = None
    cancel_reason: str | None = None


@dataclass
class Outcome:
    id: int
    complaint_id: int
    state: NotificationState
    channel: str | None
    attempt_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    last_error: str | None = None
    log: list[dict[str, Any]] = field(default_factory=list)
    # A history entry to add (escalations): its note.
    history_note: str | None = None
    complaint_status: str | None = None
    # The notification's kind (the metrics' label).
    kind: str = ""


@dataclass
class DrainStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0

    def add(self, outcome: Outcome) -> None:
        if outcome.state is NotificationState.sent:
            self.sent += 1
        elif outcome.state is NotificationState.planned:
            self.retried += 1
        elif outcome.state is NotificationState.failed:
            self.failed += 1
        elif outcome.state is NotificationState.cancelled:
            self.cancelled += 1


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


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
        self.texts = load_texts()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._senders: Senders | None = None
        self._drain_task: asyncio.Task[DrainStats] | None = None
        self._again = False
        self._start_lock = threading.Lock()
        self._postgres = engine.dialect.name == "postgresql"

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
            self._senders = Senders(self.settings)
        stats = DrainStats()
        concurrency = self.settings.notification_concurrency
        tasks: set[asyncio.Task[Outcome]] = set()
        done: list[Outcome] = []
        last_record = time.monotonic()
        exhausted = False
        try:
            while True:
                free = concurrency - len(tasks)
                claimed: list[Prepared] = []
                if not exhausted and (free >= max(1, concurrency // 2) or not tasks):
                    claimed = await asyncio.to_thread(
                        self._claim_and_prepare, min(free, self.settings.notification_batch_size)
                    )
                    stats.claimed += len(claimed)
                    exhausted = not claimed
                    for item in claimed:
                        if item.message is None:
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

    # --- claim -------------------------------------------------------------------------------------

    def _due(self, now: dt.datetime) -> sa.ColumnElement[bool]:
        return sa.or_(
            sa.and_(N.c.state == NotificationState.planned.value, N.c.attempt_at <= now),
            sa.and_(N.c.state == NotificationState.claimed.value, N.c.claimed_until < now),
        )

    def claim(self, limit: int, now: dt.datetime) -> list[tuple[int, bool]]:
        """Claims up to `limit` due rows: [(id, reclaimed)]; reclaimed = its lease had run out."""
        lease = now + dt.timedelta(seconds=self.settings.notification_lease_seconds)
        claim_values = {
            "state": NotificationState.claimed.value,
            "claimed_by": self.worker,
            "claimed_until": lease,
            "attempts": N.c.attempts + 1,
        }
        with self.engine.begin() as connection:
            if self._postgres:
                due = (
                    sa.select(N.c.id, N.c.state.label("previous"))
                    .where(self._due(now))
                    .order_by(N.c.attempt_at, N.c.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                    .cte("due")
                )
                rows = connection.execute(
                    sa.update(N).where(N.c.id == due.c.id).values(**claim_values).returning(N.c.id, due.c.previous)
                ).all()
                return [(row[0], row[1] == NotificationState.claimed.value) for row in rows]
            candidates = dict(
                connection.execute(
                    sa.select(N.c.id, N.c.state).where(self._due(now)).order_by(N.c.attempt_at, N.c.id).limit(limit)
                ).all()
            )
            if not candidates:
                return []
            taken = connection.execute(
                sa.update(N)
                .where(N.c.id.in_(list(candidates)), self._due(now))
                .values(**claim_values)
                .returning(N.c.id)
            ).scalars()
            return [(row_id, candidates[row_id] == NotificationState.claimed.value) for row_id in taken]

    def _claim_and_prepare(self, limit: int) -> list[Prepared]:
        now = clock.now()
        claimed = self.claim(limit, now)
        if not claimed:
            return []
        reclaimed = dict(claimed)
        with Session(self.engine, expire_on_commit=False) as session:
            rows = session.exec(
                select(Notification)
                .where(col(Notification.id).in_(list(reclaimed)))
                .options(selectinload(Notification.complaint))  # type: ignore[arg-type]
            ).all()
            return [self._prepare(session, row, reclaimed[row.id], now) for row in rows]  # type: ignore[index]

    def _prepare(self, session: Session, row: Notification, reclaimed: bool, now: dt.datetime) -> Prepared:
        complaint = row.complaint
        policy = self.policies[complaint.policy]
        item = Prepared(
            id=row.id,  # type: ignore[arg-type]
            complaint_id=complaint.id,  # type: ignore[arg-type]
            attempts=row.attempts,
            kind=row.kind,
            deadline=row.deadline,
            complaint_status=complaint.status,
        )
        if not self.planner.still_wanted(row, complaint, policy, now=now):
            item.cancel_reason = "no longer wanted when due (the complaint changed)"
            return item
        item.chain = self.chain(row, complaint)
        if not item.chain:
            return item
        language = Language(row.language or complaint.language)
        template = template_for(row)
        rendered = self.texts.render(template, language, context_for(row, complaint, policy, language))
        payload = row.payload or {}
        kind = NotificationKind(row.kind)
        if kind in (NotificationKind.decision, NotificationKind.approval_request):
            # Rasa's EXTERNAL_decision shows the decision with approve / reject buttons.
            intent = "EXTERNAL_decision"
            decision = payload.get("decision_text") or policy.status_label(ComplaintStatus.resolved, language)
            entities: dict[str, Any] = {"tracking_number": complaint.tracking_number, "decision_text": decision}
        else:
            intent = f"EXTERNAL_{kind.value}"
            entities = {"tracking_number": complaint.tracking_number, "text": rendered.text}
            if payload.get("reason"):
                entities["reason"] = payload["reason"]
            if payload.get("new_date"):
                entities["new_date"] = format_date(dt.datetime.fromisoformat(payload["new_date"]), policy)
        entities["notification_id"] = row.key
        staff = row.audience != NotificationAudience.customer
        item.message = Outgoing(
            notification_id=item.id,
            key=row.key,
            kind=row.kind,
            template=template,
            language=language.value,
            tracking_number=complaint.tracking_number,
            subject=rendered.subject,
            text=rendered.text,
            rasa_intent=intent,
            entities=entities,
            conversation_id=None if staff else complaint.conversation_id,
            email=self.planner.staff_address(NotificationAudience(row.audience)) if staff else complaint.email,
            phone=None if staff else complaint.phone,
            # attempts counts this claim: above 1, an earlier attempt failed or never recorded.
            maybe_delivered=reclaimed or row.attempts > 1,
        )
        return item

    def chain(self, row: Notification, complaint: Complaint) -> list[str]:
        """The routes to try, in order, starting with the planned one."""
        if row.audience != NotificationAudience.customer:
            return [row.channel or "console"]
        if row.channel is None:
            return []
        if row.channel == "email" and self.planner.has_email_copy(complaint):
            return ["email"]  # the web chat's e-mail copy
        channel = Channel(complaint.channel)
        routes: list[str] = []
        if complaint.conversation_id:
            if channel is Channel.whatsapp:
                routes.append("whatsapp")
            elif channel in (Channel.rest, Channel.socketio, Channel.telegram, Channel.twilio):
                routes.append("rasa")
            if channel is Channel.telegram:
                routes.append("telegram")
        if complaint.email and not self.planner.has_email_copy(complaint):
            routes.append("email")
        if complaint.phone:
            routes.append("sms")
        if row.channel in routes:
            return routes[routes.index(row.channel) :]
        return [row.channel, *routes]

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

    def _record(self, outcomes: list[Outcome]) -> None:
        fence = sa.and_(
            N.c.id == sa.bindparam("o_id"),
            N.c.claimed_by == self.worker,
            N.c.state == NotificationState.claimed.value,
        )
        update = (
            sa.update(N)
            .where(fence)
            .values(
                state=sa.bindparam("o_state"),
                channel=sa.bindparam("o_channel"),
                sent_at=sa.bindparam("o_sent_at"),
                attempt_at=sa.func.coalesce(sa.bindparam("o_attempt_at", type_=N.c.attempt_at.type), N.c.attempt_at),
                last_error=sa.bindparam("o_last_error"),
                claimed_by=None,
                claimed_until=None,
            )
        )
        params = [
            {
                "o_id": outcome.id,
                "o_state": outcome.state.value,
                "o_channel": outcome.channel,
                "o_sent_at": outcome.sent_at,
                "o_attempt_at": outcome.attempt_at,
                "o_last_error": None if outcome.state is NotificationState.sent else outcome.last_error,
            }
            for outcome in outcomes
        ]
        attempts = [entry for outcome in outcomes for entry in outcome.log]
        failed = sorted({outcome.complaint_id for outcome in outcomes if outcome.state is NotificationState.failed})
        history = [
            {
                "complaint_id": outcome.complaint_id,
                "at": outcome.sent_at,
                "actor": "system",
                "kind": HistoryKind.escalation.value,
                "status": outcome.complaint_status,
                "note": outcome.history_note,
                "visible_to_customer": False,
            }
            for outcome in outcomes
            if outcome.history_note is not None
        ]
        with self.engine.begin() as connection:
            connection.execute(update, params)
            if attempts:
                connection.execute(sa.insert(A), attempts)
            if failed:
                connection.execute(sa.update(C).where(C.c.id.in_(failed)).values(notification_failed=True))
            if history:
                connection.execute(sa.insert(H), history)
        self._count(outcomes)
        retries = [outcome.attempt_at for outcome in outcomes if outcome.attempt_at is not None]
        if retries and self.on_retry is not None:
            self.on_retry(retries)
