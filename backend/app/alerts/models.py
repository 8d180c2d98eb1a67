"""Alerts (one row per event: a deadline due soon or breached, a waiting handoff, a rejection,
a dispute, a notification failed for good) and their recipients (one row per person: that
person's console inbox, with what each of their other channels answered)."""

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from backend.app.core.models import UTCDateTime
from backend.app.notifications.models import NotificationState


class AlertKind(StrEnum):
    handoff_waiting = "handoff_waiting"  # a conversation waits for a person
    deadline_due_soon = "deadline_due_soon"  # the morning of a deadline's day
    deadline_breached = "deadline_breached"  # a deadline passed (also to the supervisors)
    rejection = "rejection"  # the customer rejected the decision
    dispute = "dispute"  # the customer disputes (also to the supervisors)
    notification_failed = "notification_failed"  # a customer's notification failed for good


# The kinds the supervisors hear of too.
SUPERVISED = frozenset({AlertKind.deadline_breached, AlertKind.dispute})
# The deadlines a complaint has (the complaint's column of each).
DEADLINES = ("acknowledge_by", "investigate_by", "progress_update_by", "resolve_by")


class Alert(SQLModel, table=True):
    """The event, claimed by the notifications' dispatcher like a notification (the same
    Outbox: state, attempt_at, claimed_by, claimed_until, attempts)."""

    __tablename__ = "alert"
    __table_args__ = (sa.Index("ix_alert_state_attempt_at", "state", "attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # One alert per event, whoever plans it: kind, complaint or handoff, deadline and its moment.
    key: str = Field(max_length=160, unique=True)
    kind: str = Field(max_length=32)
    policy: str = Field(max_length=32)
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id", ondelete="CASCADE", index=True)
    handoff_id: int | None = Field(default=None, foreign_key="handoff.id", ondelete="CASCADE", index=True)
    # The deadline (acknowledge_by, ...) and its moment, for the deadline kinds.
    deadline: str | None = Field(default=None, max_length=32)
    deadline_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    due_at: dt.datetime = Field(sa_type=UTCDateTime)
    state: NotificationState = Field(
        default=NotificationState.planned, sa_type=sa.String(16), sa_column_kwargs={"server_default": "planned"}
    )
    attempt_at: dt.datetime = Field(sa_type=UTCDateTime)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    # What the text needs beyond the complaint: reason, notification kind.
    payload: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)


class AlertRecipient(SQLModel, table=True):
    """A person's copy of an alert: their console inbox (read, snoozed) and the log of what
    their e-mail and Telegram answered."""

    __tablename__ = "alert_recipient"
    __table_args__ = (
        sa.UniqueConstraint("alert_id", "agent_id"),
        sa.Index("ix_alert_recipient_agent_id_read_at", "agent_id", "read_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", ondelete="CASCADE")
    agent_id: int = Field(foreign_key="agent.id", ondelete="CASCADE")
    # Why this person: assignee, team, supervisor.
    reason: str = Field(max_length=16)
    created_at: dt.datetime = Field(sa_type=UTCDateTime, index=True)
    # The text in the person's language (console, e-mail and Telegram say the same).
    language: str = Field(max_length=2)
    title: str = Field(max_length=300)
    text: str = Field(max_length=2000)
    read_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    snoozed_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # [{route, outcome, detail, at}] of every channel tried (console first).
    routes: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)


class AlertPublic(SQLModel):
    id: int  # the recipient row's id: what read and snooze take
    alert_id: int
    kind: str
    policy: str
    tracking_number: str | None
    handoff_id: int | None
    deadline: str | None
    reason: str
    title: str
    text: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    snoozed_until: dt.datetime | None
    routes: list[dict[str, Any]]


class FailedAlertPublic(SQLModel):
    id: int
    kind: str
    policy: str
    tracking_number: str | None
    handoff_id: int | None
    deadline: str | None
    due_at: dt.datetime
    last_error: str | None


class SnoozeRequest(SQLModel):
    minutes: int = PydanticField(ge=1, le=7 * 24 * 60)
