"""Tables and API schemas: per entity XBase -> XCreate / X(table=True) / XPublic."""

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import StringConstraints, field_validator, model_validator
from sqlalchemy.engine import Dialect
from sqlmodel import Field, Relationship, SQLModel

from backend.app.settings import PolicyId

# Constraint names that alembic can reproduce on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Language(StrEnum):
    ru = "ru"
    az = "az"
    ro = "ro"
    tr = "tr"


class Channel(StrEnum):
    rest = "rest"
    socketio = "socketio"
    telegram = "telegram"
    whatsapp = "whatsapp"
    twilio = "twilio"
    phone = "phone"
    email = "email"
    shop = "shop"


class ComplaintCategory(StrEnum):
    service = "service"
    product = "product"


class ComplaintStatus(StrEnum):
    registered = "registered"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"
    reopened = "reopened"
    disputed = "disputed"


# Which status may follow which. Poliser's approval loop: resolved -> closed (approved) or
# reopened (first rejection, re-review) or disputed (second rejection, external remedies).
STATUS_TRANSITIONS: dict[ComplaintStatus, frozenset[ComplaintStatus]] = {
    ComplaintStatus.registered: frozenset(
        {ComplaintStatus.acknowledged, ComplaintStatus.in_progress, ComplaintStatus.resolved}
    ),
    ComplaintStatus.acknowledged: frozenset({ComplaintStatus.in_progress, ComplaintStatus.resolved}),
    ComplaintStatus.in_progress: frozenset({ComplaintStatus.resolved}),
    ComplaintStatus.resolved: frozenset({ComplaintStatus.closed, ComplaintStatus.reopened, ComplaintStatus.disputed}),
    ComplaintStatus.reopened: frozenset({ComplaintStatus.in_progress, ComplaintStatus.resolved}),
    ComplaintStatus.disputed: frozenset({ComplaintStatus.closed, ComplaintStatus.reopened}),
    ComplaintStatus.closed: frozenset({ComplaintStatus.reopened}),
}

# Statuses in which the resolution deadline no longer runs.
RESOLUTION_STOPPED = frozenset({ComplaintStatus.resolved, ComplaintStatus.closed, ComplaintStatus.disputed})

# The complaint fields a policy's intake list may name (the Rasa slots of the same names).
Slot = Literal[
    "full_name",
    "phone",
    "email",
    "staff_member",
    "complaint_text",
    "complaint_category",
    "inverter_model",
    "serial_number",
    "ticket_number",
    "solution_idea",
]

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on PostgreSQL and on SQLite alike."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- deadlines ------------------------------------------------------------------------------


class Deadlines(SQLModel):
    acknowledge_by: dt.datetime
    investigate_by: dt.datetime | None = None
    progress_update_by: dt.datetime | None = None
    resolve_by: dt.datetime


# --- status changes (the history) ------------------------------------------------------------


class StatusChangeBase(SQLModel):
    status: ComplaintStatus = Field(sa_type=sa.String(16))
    note: str | None = Field(default=None, max_length=2000, sa_type=sa.Text)
    # A customer-facing note is what the status look-up shows the customer.
    visible_to_customer: bool = True


class StatusChangeCreate(StatusChangeBase):
    @field_validator("note", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return _blank_to_none(value)


class StatusChange(StatusChangeBase, table=True):
    __tablename__ = "status_change"

    id: int | None = Field(default=None, primary_key=True)
    # Set through the relationship on flush; never NULL in the table.
    complaint_id: int | None = Field(
        default=None, foreign_key="complaint.id", ondelete="CASCADE", nullable=False, index=True
    )
    at: dt.datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=32)

    complaint: "Complaint" = Relationship(back_populates="history")


class StatusChangePublic(StatusChangeBase):
    at: dt.datetime
    actor: str


# --- notifications (filled by the scheduler) -------------------------------------------------


class NotificationBase(SQLModel):
    kind: str = Field(max_length=32)
    due_at: dt.datetime = Field(sa_type=UTCDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    channel: str | None = Field(default=None, max_length=16)


class Notification(NotificationBase, table=True):
    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    # Set through the relationship on flush; never NULL in the table.
    complaint_id: int | None = Field(
        default=None, foreign_key="complaint.id", ondelete="CASCADE", nullable=False, index=True
    )

    complaint: "Complaint" = Relationship(back_populates="notifications")


class NotificationPublic(NotificationBase):
    pass


# --- complaints -----------------------------------------------------------------------------


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


class ComplaintBase(SQLModel):
    language: Language = Field(sa_type=sa.String(2))
    channel: Channel = Field(sa_type=sa.String(16))
    full_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    staff_member: str | None = Field(default=None, max_length=200)
    complaint_text: str | None = Field(default=None, max_length=10000, sa_type=sa.Text)
    complaint_category: ComplaintCategory | None = Field(default=None, sa_type=sa.String(16))
    inverter_model: str | None = Field(default=None, max_length=100)
    serial_number: str | None = Field(default=None, max_length=100)
    ticket_number: str | None = Field(default=None, max_length=100)
    solution_idea: str | None = Field(default=None, max_length=5000, sa_type=sa.Text)
    conversation_id: str | None = Field(default=None, max_length=200)


class ComplaintCreate(ComplaintBase):
    policy: PolicyId | None = None
    # When the company received the complaint (an agent typing in a letter); a time without
    # offset is read in the policy's time zone. Defaults to now.
    received_at: dt.datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _blank_strings_are_missing(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: _blank_to_none(value) for key, value in data.items()}
        return data

    @field_validator("email")
    @classmethod
    def _email_syntax(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("not a valid e-mail address")
        return value


class Complaint(ComplaintBase, table=True):
    __tablename__ = "complaint"

    id: int | None = Field(default=None, primary_key=True)
    tracking_number: str = Field(max_length=9, unique=True)
    pin_hash: str = Field(max_length=200)
    policy: str = Field(max_length=32, index=True)
    status: ComplaintStatus = Field(default=ComplaintStatus.registered, sa_type=sa.String(16), index=True)
    received_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_at: dt.datetime = Field(sa_type=UTCDateTime, index=True)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    acknowledged_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledge_by: dt.datetime = Field(sa_type=UTCDateTime)
    investigate_by: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    progress_update_by: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolve_by: dt.datetime = Field(sa_type=UTCDateTime)
    idempotency_key: str | None = Field(default=None, max_length=200, unique=True)
    request_fingerprint: str | None = Field(default=None, max_length=64)
    pin_failed_attempts: int = 0
    pin_locked_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)

    history: list[StatusChange] = Relationship(
        back_populates="complaint", cascade_delete=True, sa_relationship_kwargs={"order_by": "StatusChange.id"}
    )
    notifications: list[Notification] = Relationship(
        back_populates="complaint", cascade_delete=True, sa_relationship_kwargs={"order_by": "Notification.due_at"}
    )

    @property
    def deadlines(self) -> Deadlines:
        return Deadlines(
            acknowledge_by=self.acknowledge_by,
            investigate_by=self.investigate_by,
            progress_update_by=self.progress_update_by,
            resolve_by=self.resolve_by,
        )


class ComplaintPublic(ComplaintBase):
    tracking_number: str
    policy: str
    status: ComplaintStatus
    received_at: dt.datetime
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    deadlines: Deadlines
    overdue: bool


class ComplaintDetail(ComplaintPublic):
    history: list[StatusChangePublic]
    notifications: list[NotificationPublic]


class ComplaintRegistered(SQLModel):
    tracking_number: str
    # Shown once to the customer; null on an idempotent replay when it cannot be re-derived.
    pin: str | None
    status: ComplaintStatus
    policy: str
    created_at: dt.datetime
    deadlines: Deadlines


# --- status look-up by the customer -----------------------------------------------------------


class StatusLookup(SQLModel):
    tracking_number: Annotated[str, StringConstraints(min_length=8, max_length=12)]
    pin: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]


class CustomerNote(SQLModel):
    at: dt.datetime
    text: str


class StatusLookupPublic(SQLModel):
    tracking_number: str
    status: ComplaintStatus
    # The policy's customer-facing name of the status, in the complaint's language.
    status_label: str
    policy: str
    deadlines: Deadlines
    last_note: CustomerNote | None


class HealthStatus(SQLModel):
    status: Literal["ok", "unavailable"]
