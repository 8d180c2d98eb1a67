"""Notifications (planned by backend.app.notifications.planner, sent by its dispatcher), their
attempts, and APScheduler's job table: tables and API schemas."""

import datetime as dt
import uuid
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from backend.app.core.models import UTCDateTime
from contract.statuses import Language

if TYPE_CHECKING:
    from backend.app.complaints.models import Complaint


class NotificationKind(StrEnum):
    registration = "registration"  # to the customer: the tracking number
    acknowledgement = "acknowledgement"  # to the customer: an agent took the complaint up
    progress_update = "progress_update"  # to the customer: where it stands
    delay_notice = "delay_notice"  # to the customer: the reason and the new date
    decision = "decision"  # to the customer: the decision, to approve or reject
    approval_request = "approval_request"  # to the customer: the decision again, still unanswered
    agent_reminder = "agent_reminder"  # to the agents: a deadline is today
    escalation = "escalation"  # to the supervisor: a deadline passed, or the customer disputes
    rereview = "rereview"  # to the agents: the customer rejected the decision


class NotificationAudience(StrEnum):
    customer = "customer"
    agents = "agents"
    supervisor = "supervisor"


class NotificationState(StrEnum):
    planned = "planned"  # waits for attempt_at
    claimed = "claimed"  # a dispatcher sends it; claimed_until is its lease
    sent = "sent"
    failed = "failed"  # every attempt failed: shown on the agents' list
    cancelled = "cancelled"  # no longer wanted (status changed, deadline moved)


class NotificationBase(SQLModel):
    kind: str = Field(max_length=32)
    due_at: dt.datetime = Field(sa_type=UTCDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The planned route (rasa, whatsapp, telegram, email, sms, console); once sent, the one used.
    channel: str | None = Field(default=None, max_length=16)


class Notification(NotificationBase, table=True):
    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_state_attempt_at", "state", "attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # Set through the relationship on flush; never NULL in the table.
    complaint_id: int | None = Field(
        default=None, foreign_key="complaint.id", ondelete="CASCADE", nullable=False, index=True
    )
    audience: NotificationAudience = Field(
        default=NotificationAudience.customer, sa_type=sa.String(16), sa_column_kwargs={"server_default": "customer"}
    )
    language: Language | None = Field(default=None, sa_type=sa.String(2))
    state: NotificationState = Field(
        default=NotificationState.planned, sa_type=sa.String(16), sa_column_kwargs={"server_default": "planned"}
    )
    # The deadline a reminder or an escalation is about (acknowledge_by, resolve_by, ...).
    deadline: str | None = Field(default=None, max_length=32)
    # When the next attempt may start: due_at, later after a failure (backoff).
    attempt_at: dt.datetime = Field(sa_type=UTCDateTime)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_error: str | None = Field(default=None, max_length=500)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Idempotency key: the e-mail's Message-ID, the SMS gateway's Idempotency-Key, an entity
    # of the Rasa intent (a re-claimed send first looks for it in the tracker).
    key: str = Field(default_factory=lambda: uuid.uuid4().hex, max_length=32, unique=True)
    # What the text needs beyond the complaint: decision_text, reason, new_date, note.
    payload: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    # A PIN the SMS must carry, encrypted (sealed_pin.py); NULL once the row is sent, failed or
    # cancelled. Never in NotificationPublic.
    sealed_pin: str | None = Field(default=None, sa_type=sa.Text)

    complaint: "Complaint" = Relationship(back_populates="notifications")
    attempt_log: list["NotificationAttempt"] = Relationship(
        cascade_delete=True, sa_relationship_kwargs={"order_by": "NotificationAttempt.id"}
    )


class NotificationAttempt(SQLModel, table=True):
    """One try of one route for one notification: the customer-facing proof that the policy's
    promise was kept (or that it could not be)."""

    __tablename__ = "notification_attempt"

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", ondelete="CASCADE", index=True)
    complaint_id: int = Field(foreign_key="complaint.id", ondelete="CASCADE", index=True)
    at: dt.datetime = Field(sa_type=UTCDateTime)
    channel: str = Field(max_length=16)
    # sent | error | cancelled
    outcome: str = Field(max_length=16)
    detail: str | None = Field(default=None, max_length=500)
    worker: str | None = Field(default=None, max_length=64)


class NotificationAttemptPublic(SQLModel):
    at: dt.datetime
    channel: str
    outcome: str
    detail: str | None


class NotificationPublic(NotificationBase):
    id: int
    audience: NotificationAudience
    language: Language | None
    state: NotificationState
    deadline: str | None
    attempts: int
    last_error: str | None
    attempt_log: list[NotificationAttemptPublic] = []


# APScheduler's job table (apscheduler.jobstores.sqlalchemy), created by the migrations like
# every other table; APScheduler's own "create if missing" then finds it.
APSCHEDULER_JOBS = sa.Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)
