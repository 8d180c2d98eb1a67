"""How the notifications' dispatcher sends an alert it claimed (the same claim, lease and loop
as a notification's: backend/app/notifications/dispatcher.py; the table is `alert`).

prepare (in the claim's database session): still wanted? who (recipients.py), in which
language, and each person's channels:
- `console`: the person's own inbox in the console (a row of `alert_recipient`, shown with an
  unread count and pushed live to their open consoles, like a mailbox). It is written with the
  outcome, in the outbox's fenced transaction: the alert is delivered to that person when the
  row is stored, read or not;
- `staff_email` when the agent has an e-mail address (one letter per person; the Message-ID
  is the alert's and the person's, so a letter sent again after a crash is recognisably one);
- `staff_telegram` when the staff bot's module is installed and the agent linked a chat.
An alert is sent when at least one person received it; with nobody to receive it (no assignee,
nobody in the team, no supervisor) it is failed: it shows in the console's failed view (the
complaint's `notification_failed`, and GET /api/alerts/failed), it is never counted as sent.
E-mail and Telegram failures are logged on the person's row (their console copy stands); they
are not retried, the console copy is the one that stays.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from backend.app.alerts import planner, recipients
from backend.app.alerts.models import SUPERVISED, Alert, AlertKind, AlertRecipient
from backend.app.alerts.texts import language_of, render
from backend.app.complaints.models import Complaint, HistoryKind, StatusChange
from backend.app.core import clock
from backend.app.core.settings import Settings
from backend.app.handoff.models import Handoff
from backend.app.notifications.models import NotificationState
from backend.app.notifications.outbox import Outbox
from backend.app.notifications.outgoing import Outgoing, SendError
from backend.app.policies.profile import PolicyProfile

log = logging.getLogger(__name__)

A = Alert.__table__  # type: ignore[attr-defined]
R = AlertRecipient.__table__  # type: ignore[attr-defined]
C = Complaint.__table__  # type: ignore[attr-defined]
H = StatusChange.__table__  # type: ignore[attr-defined]
STAFF_BOT = "backend.app.staffbot"


def staffbot_available() -> bool:
    """The staff bot's package is installed (it is built beside this one)."""
    try:
        return importlib.util.find_spec(f"{STAFF_BOT}.service") is not None
    except ModuleNotFoundError:
        return False


def _chat_id_lookup() -> Callable[[Session, int], int | None] | None:
    if not staffbot_available():
        return None
    try:
        return getattr(importlib.import_module(f"{STAFF_BOT}.service"), "chat_id_of", None)
    except ImportError:
        return None


@dataclass
class Delivery:
    agent_id: int
    reason: str
    language: str
    title: str
    text: str
    routes: list[str]
    message: Outgoing


@dataclass
class PreparedAlert:
    id: int
    kind: str
    complaint_id: int | None
    deadline: str | None
    complaint_status: str | None
    deliveries: list[Delivery] = field(default_factory=list)
    cancel_reason: str | None = None


@dataclass
class AlertOutcome:
    id: int
    complaint_id: int | None
    state: NotificationState
    kind: str
    deadline: str | None = None
    complaint_status: str | None = None
    sent_at: dt.datetime | None = None
    last_error: str | None = None
    recipients: list[dict[str, Any]] = field(default_factory=list)
    attempt_at: dt.datetime | None = None  # never retried (the dispatcher's interface)
    channel: str | None = None


class AlertComposer:
    def __init__(self, settings: Settings, policies: Mapping[str, PolicyProfile]) -> None:
        self.settings = settings
        self.policies = policies

    def prepare(self, session: Session, alert: Alert, now: dt.datetime) -> PreparedAlert:
        complaint = session.get(Complaint, alert.complaint_id) if alert.complaint_id else None
        handoff = session.get(Handoff, alert.handoff_id) if alert.handoff_id else None
        item = PreparedAlert(
            id=alert.id,  # type: ignore[arg-type]
            kind=alert.kind,
            complaint_id=alert.complaint_id,
            deadline=alert.deadline,
            complaint_status=None if complaint is None else str(complaint.status),
        )
        policy = self.policies.get(alert.policy)
        if policy is None:
            item.cancel_reason = f"unknown policy {alert.policy}"
            return item
        if not planner.still_wanted(session, alert, complaint, handoff, policy, self.settings, now=now):
            item.cancel_reason = "no longer wanted when due (the complaint or the conversation changed)"
            return item
        chat_id_of = _chat_id_lookup()
        link = self._link(complaint, handoff)
        for agent, reason in recipients.recipients(session, alert, complaint, handoff, policy):
            assert agent.id is not None
            language = language_of(agent, policy)
            title, text = render(alert, complaint, handoff, policy, language)
            routes = ["console"]
            if agent.email:
                routes.append("staff_email")
            # Telegram only when the staff bot is on (its token) and the agent linked a chat.
            bot_on = getattr(self.settings, "staff_telegram_bot_token", None) is not None
            chat_id = chat_id_of(session, agent.id) if chat_id_of is not None and bot_on else None
            if chat_id is not None:
                routes.append("staff_telegram")
            message = Outgoing(
                notification_id=item.id,
                key=f"alert-{item.id}-{agent.id}",
                kind=alert.kind,
                template=f"alerts.text.{alert.kind}",
                language=language,
                tracking_number=complaint.tracking_number if complaint is not None else "",
                subject=title,
                text=f"{text}\n{link}",
                rasa_intent="",
                entities={},
                email=agent.email,
                extra={
                    "chat_id": chat_id,
                    "alert_id": item.id,
                    "handoff_id": alert.handoff_id,
                    # The staff bot's "take" on a complaint's alert assigns it to the one who
                    # pressed: offered to the team of an unassigned complaint only.
                    "complaint_id": alert.complaint_id,
                    "assignable": reason == "team",
                    "console_url": link,
                    "title": title,
                    "text": text,
                },
            )
            item.deliveries.append(Delivery(agent.id, reason, language, title, text, routes, message))
        return item

    def _link(self, complaint: Complaint | None, handoff: Handoff | None) -> str:
        base = self.settings.console_url.rstrip("/")
        if complaint is not None:
            return f"{base}#/complaint/{complaint.tracking_number}"
        if handoff is not None:
            return f"{base}#/handoff/{handoff.id}"
        return base


async def deliver(item: PreparedAlert, get_sender: Callable[[str], Any], worker: str) -> AlertOutcome:
    """Each person's channels, in turn; the console copy is written with the outcome."""
    rows = []
    for delivery in item.deliveries:
        now = clock.now()
        log_entries = [
            {"route": "console", "outcome": "sent", "detail": "stored in the agent's inbox", "at": now.isoformat()}
        ]
        for route in delivery.routes[1:]:
            try:
                detail = await get_sender(route).send(delivery.message)
                outcome = "sent"
            except SendError as exc:
                detail, outcome = str(exc), "error"
            except Exception as exc:  # noqa: BLE001 - one channel's failure is logged, the rest go on
                detail, outcome = type(exc).__name__, "error"
            log_entries.append(
                {"route": route, "outcome": outcome, "detail": detail[:200], "at": clock.now().isoformat()}
            )
        rows.append(
            {
                "alert_id": item.id,
                "agent_id": delivery.agent_id,
                "reason": delivery.reason,
                "created_at": now,
                "language": delivery.language,
                "title": delivery.title,
                "text": delivery.text,
                "routes": log_entries,
            }
        )
    now = clock.now()
    if not rows:
        reason = "no reachable recipient: no assignee, nobody in the team and no supervisor"
        log.warning("alert %s (%s) failed: %s", item.id, item.kind, reason)
        return AlertOutcome(item.id, item.complaint_id, NotificationState.failed, item.kind, last_error=reason)
    return AlertOutcome(
        item.id,
        item.complaint_id,
        NotificationState.sent,
        item.kind,
        deadline=item.deadline,
        complaint_status=item.complaint_status,
        sent_at=now,
        recipients=rows,
        channel="console",
    )


def cancelled(item: PreparedAlert) -> AlertOutcome:
    return AlertOutcome(
        item.id, item.complaint_id, NotificationState.cancelled, item.kind, last_error=item.cancel_reason
    )


class AlertOutbox(Outbox):
    """The notifications' Outbox on the `alert` table: the same claim; its own record."""

    def __init__(self, engine: sa.Engine, worker: str, lease_seconds: float) -> None:
        super().__init__(engine, worker, lease_seconds, table=A)

    def record(self, outcomes: list[AlertOutcome]) -> None:  # type: ignore[override]
        """Each outcome with the fence (this worker still holds it); the persons' inbox rows
        only with an outcome that won the fence; a breach or a dispute enters the complaint's
        history; a failed alert marks its complaint for the failed view."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        with self.engine.begin() as connection:
            for outcome in outcomes:
                updated = connection.execute(
                    sa.update(A)
                    .where(
                        A.c.id == outcome.id,
                        A.c.claimed_by == self.worker,
                        A.c.state == NotificationState.claimed.value,
                    )
                    .values(
                        state=outcome.state.value,
                        sent_at=outcome.sent_at,
                        last_error=outcome.last_error,
                        claimed_by=None,
                        claimed_until=None,
                    )
                ).rowcount
                if not updated:
                    continue  # the lease ran out and another dispatcher took the alert over
                if outcome.recipients:
                    stored = clock.now()  # when the console's feed can first see it
                    for row in outcome.recipients:
                        row["created_at"] = stored
                    connection.execute(
                        dialect.insert(R)
                        .values(outcome.recipients)
                        .on_conflict_do_nothing(index_elements=["alert_id", "agent_id"])
                    )
                if outcome.state is NotificationState.failed and outcome.complaint_id is not None:
                    connection.execute(
                        sa.update(C).where(C.c.id == outcome.complaint_id).values(notification_failed=True)
                    )
                note = _history_note(outcome)
                if note is not None:
                    connection.execute(
                        sa.insert(H).values(
                            complaint_id=outcome.complaint_id,
                            at=outcome.sent_at,
                            actor="system",
                            kind=HistoryKind.escalation.value,
                            status=outcome.complaint_status,
                            note=note,
                            visible_to_customer=False,
                        )
                    )


def _history_note(outcome: AlertOutcome) -> str | None:
    if outcome.state is not NotificationState.sent or outcome.complaint_id is None:
        return None
    if AlertKind(outcome.kind) not in SUPERVISED:
        return None
    supervisors = sum(1 for row in outcome.recipients if row["reason"] == "supervisor")
    if outcome.deadline is None:
        return f"disputed: alerted {len(outcome.recipients)} people, {supervisors} supervisor(s)"
    return (
        f"{outcome.deadline} passed: escalated, alerted {len(outcome.recipients)} people, {supervisors} supervisor(s)"
    )
