"""The notification rows as dispatchers work them: claimed, then their outcome recorded.

Claiming makes a notification one dispatcher's, whichever process it runs in:
- PostgreSQL: `UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)`: concurrent dispatchers
  take disjoint rows without waiting for each other;
- SQLite: the candidates are read, then `UPDATE ... WHERE id IN (...) AND <still due>`
  takes those still claimable (SQLite runs one writer at a time; the condition is evaluated
  by the UPDATE itself).
A claim is a lease (NOTIFICATION_LEASE_SECONDS). A process killed mid-send leaves the row
`claimed`; once the lease has run out any dispatcher claims it again, so nothing is lost.

The outcome is written with a fence (`claimed_by` = this dispatcher, state still `claimed`),
so a dispatcher whose lease ran out cannot overwrite the one that took the row over. Every
attempt of every route is a row of `notification_attempt`; a notification failed for good
marks its complaint `notification_failed` and plans a `notification_failed` alert to the
people concerned (backend/app/alerts); a sent escalation enters the complaint's history;
a row that is sent, failed or cancelled loses the sealed PIN it carried (sealed_pin.py).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from backend.app.alerts import planner as alert_planner
from backend.app.complaints.models import Complaint, HistoryKind, StatusChange
from backend.app.core import clock
from backend.app.notifications.models import Notification, NotificationAttempt, NotificationState

# Outcomes after which a row is never sent again (short of an agent's retry).
_DONE = (NotificationState.sent, NotificationState.failed, NotificationState.cancelled)
N = Notification.__table__  # type: ignore[attr-defined]
A = NotificationAttempt.__table__  # type: ignore[attr-defined]
C = Complaint.__table__  # type: ignore[attr-defined]
H = StatusChange.__table__  # type: ignore[attr-defined]


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


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


class Outbox:
    """One dispatcher's claims and records (`worker` names it in the rows it holds). `table`:
    the notifications, or another table with the same claim columns (id, state, attempt_at,
    attempts, claimed_by, claimed_until): the staff's alerts (backend/app/alerts/delivery.py)
    are claimed by this same code in the same dispatcher loop."""

    def __init__(self, engine: sa.Engine, worker: str, lease_seconds: float, table: sa.Table = N) -> None:
        self.engine = engine
        self.table = table
        self.worker = worker
        self.lease = dt.timedelta(seconds=lease_seconds)
        self._postgres = engine.dialect.name == "postgresql"

    def _due(self, now: dt.datetime) -> sa.ColumnElement[bool]:
        T = self.table
        return sa.or_(
            sa.and_(T.c.state == NotificationState.planned.value, T.c.attempt_at <= now),
            sa.and_(T.c.state == NotificationState.claimed.value, T.c.claimed_until < now),
        )

    def claim(self, limit: int, now: dt.datetime) -> list[tuple[int, bool]]:
        """Claims up to `limit` due rows: [(id, reclaimed)]; reclaimed = its lease had run out."""
        lease = now + self.lease
        T = self.table
        claim_values = {
            "state": NotificationState.claimed.value,
            "claimed_by": self.worker,
            "claimed_until": lease,
            "attempts": T.c.attempts + 1,
        }
        with self.engine.begin() as connection:
            if self._postgres:
                due = (
                    sa.select(T.c.id, T.c.state.label("previous"))
                    .where(self._due(now))
                    .order_by(T.c.attempt_at, T.c.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                    .cte("due")
                )
                rows = connection.execute(
                    sa.update(T).where(T.c.id == due.c.id).values(**claim_values).returning(T.c.id, due.c.previous)
                ).all()
                return [(row[0], row[1] == NotificationState.claimed.value) for row in rows]
            candidates = dict(
                connection.execute(
                    sa.select(T.c.id, T.c.state).where(self._due(now)).order_by(T.c.attempt_at, T.c.id).limit(limit)
                ).all()
            )
            if not candidates:
                return []
            taken = connection.execute(
                sa.update(T)
                .where(T.c.id.in_(list(candidates)), self._due(now))
                .values(**claim_values)
                .returning(T.c.id)
            ).scalars()
            return [(row_id, candidates[row_id] == NotificationState.claimed.value) for row_id in taken]

    def record(self, outcomes: list[Outcome]) -> None:
        """The outcomes, the attempts' log, failed complaints and escalations: one transaction."""
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
                # The people concerned hear of it (backend/app/alerts), in this transaction.
                alert_planner.on_notifications_failed(
                    connection,
                    [(o.id, o.complaint_id, o.kind) for o in outcomes if o.state is NotificationState.failed],
                    clock.now(),
                )
            if history:
                connection.execute(sa.insert(H), history)
            # A PIN an SMS was carrying is wiped once the row is done with, however it ended.
            done = [outcome.id for outcome in outcomes if outcome.state in _DONE]
            if done:
                connection.execute(
                    sa.update(N)
                    .where(
                        N.c.id.in_(done), N.c.state.in_([state.value for state in _DONE]), N.c.sealed_pin.is_not(None)
                    )
                    .values(sealed_pin=None)
                )
