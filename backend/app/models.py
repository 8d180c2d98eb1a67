"""Tables and API schemas: per entity XBase -> XCreate / X(table=True) / XPublic."""

import datetime as dt
import re
import uuid
from enum import StrEnum
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import AfterValidator, BeforeValidator, StringConstraints, field_validator, model_validator
from sqlalchemy.engine import Dialect
from sqlmodel import Field, Relationship, SQLModel

from backend.app import clock
from backend.app.security import parse_tracking_number
from backend.app.settings import PolicyId
from contract.fields import INTAKE_SLOTS
from contract.statuses import (  # noqa: F401 - the backend's models name them
    RESOLUTION_STOPPED,
    STATUS_TRANSITIONS,
    Channel,
    ComplaintCategory,
    ComplaintStatus,
    Language,
)

# Constraint names that alembic can reproduce on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class HistoryKind(StrEnum):
    """What a history entry records; only `status` entries may be shown to the customer."""

    status = "status"  # a status change, the registration included
    note = "note"  # an agent's internal note
    assignment = "assignment"
    export = "export"  # the customer's personal data was exported
    erasure = "erasure"  # the customer's personal data was erased
    delay = "delay"  # the customer was told the resolution is late: the reason and a new date
    escalation = "escalation"  # a deadline passed (or the customer disputes): a supervisor was told
    rating = "rating"  # the customer rated the handling (1-5)


class AgentRole(StrEnum):
    agent = "agent"
    supervisor = "supervisor"
    admin = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]


_ROLE_RANK = {AgentRole.agent: 0, AgentRole.supervisor: 1, AgentRole.admin: 2}


# The complaint fields a policy's intake list may name (the Rasa slots of the same names).
Slot = Literal[INTAKE_SLOTS]  # type: ignore[valid-type]

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
    # backend.app.clock: the real clock, or a test's controlled one.
    return clock.now()


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
    # Who: an agent's username, or "agent" / "service" for the built-in tokens.
    actor: str = Field(max_length=32)
    kind: HistoryKind = Field(
        default=HistoryKind.status, sa_type=sa.String(16), sa_column_kwargs={"server_default": "status"}
    )

    complaint: "Complaint" = Relationship(back_populates="history")


class StatusChangePublic(StatusChangeBase):
    kind: HistoryKind
    at: dt.datetime
    actor: str


def _stripped(max_length: int, min_length: int = 1) -> Any:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


class NoteCreate(SQLModel):
    """An internal note: agents only, never shown to the customer."""

    note: Annotated[str, _stripped(2000)]


class AssignmentCreate(SQLModel):
    # The agent's username; null takes the complaint off whoever has it.
    username: Annotated[str, _stripped(32)] | None
    note: Annotated[str, _stripped(2000)] | None = None


# --- notifications (planned by backend.app.notifications, sent by its dispatcher) ------------


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


# --- agents' accounts and their login tokens -------------------------------------------------

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,31}$"
# How the built-in tokens appear in the history; no account may take these names.
RESERVED_USERNAMES = frozenset({"agent", "service", "system", "customer"})
PASSWORD_MIN_LENGTH = 12


class AgentBase(SQLModel):
    username: str = Field(max_length=32, unique=True)
    display_name: str = Field(max_length=200)
    role: AgentRole = Field(default=AgentRole.agent, sa_type=sa.String(16))
    is_active: bool = True


def _check_username(value: str) -> str:
    if value in RESERVED_USERNAMES:
        raise ValueError(f"{value!r} is reserved for the built-in tokens")
    return value


def _folded(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


Username = Annotated[str, BeforeValidator(_folded), StringConstraints(pattern=USERNAME_PATTERN)]
Password = Annotated[str, StringConstraints(min_length=PASSWORD_MIN_LENGTH, max_length=200)]


class AgentCreate(SQLModel):
    username: Username
    display_name: Annotated[str, _stripped(200)]
    role: AgentRole = AgentRole.agent
    password: Password

    _username = field_validator("username")(_check_username)


class AgentUpdate(SQLModel):
    display_name: Annotated[str, _stripped(200)] | None = None
    role: AgentRole | None = None
    # Deactivating an agent ends their sessions at once.
    is_active: bool | None = None
    password: Password | None = None


class Agent(AgentBase, table=True):
    __tablename__ = "agent"

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(max_length=200)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    failed_logins: int = 0
    locked_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class AgentPublic(AgentBase):
    created_at: dt.datetime


class AgentRef(SQLModel):
    username: str
    display_name: str


class AuthToken(SQLModel, table=True):
    """A login: the bearer token itself is never stored, only its SHA-256 (it is 256 random bits,
    so a slow hash would add nothing)."""

    __tablename__ = "auth_token"

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)

    agent: Agent = Relationship()


class LoginRequest(SQLModel):
    username: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class LoginAnswer(SQLModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: dt.datetime
    agent: AgentPublic


class Me(SQLModel):
    username: str
    display_name: str
    # agent | supervisor | admin for agents, service for the action server's token.
    role: str
    # True for the AGENT_TOKEN and SERVICE_TOKEN of the settings.
    builtin: bool
    expires_at: dt.datetime | None


# --- attachments ------------------------------------------------------------------------------


class AttachmentPublic(SQLModel):
    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    created_at: dt.datetime


class Attachment(SQLModel, table=True):
    """A file a customer sent (or an agent scanned); the bytes live on disk under
    ATTACHMENTS_DIR, named by `storage_key`."""

    __tablename__ = "attachment"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True, sa_type=sa.Uuid)
    # Null until a complaint is registered for the conversation.
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id", ondelete="CASCADE", index=True)
    conversation_id: str | None = Field(default=None, max_length=200, index=True)
    channel: Channel | None = Field(default=None, sa_type=sa.String(16))
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=127)
    size: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=100)
    uploaded_by: str = Field(max_length=32)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)

    complaint: "Complaint" = Relationship(back_populates="attachments")


class AttachmentUploaded(AttachmentPublic):
    sha256: str
    conversation_id: str | None
    channel: Channel | None
    # Set when the upload named a registered complaint; otherwise it is linked on registration.
    tracking_number: str | None


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
    conversation_id: str | None = Field(default=None, max_length=200, index=True)


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
    assigned_to_id: int | None = Field(default=None, foreign_key="agent.id", ondelete="SET NULL", index=True)
    # When the customer's personal data was erased (the complaint stays for the statistics).
    erased_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The closing loop: the customer's 1-5 rating, and how often they rejected a decision.
    rating: int | None = None
    rejections: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The new resolution date the customer was given in a delay notice.
    delayed_to: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A notification to or about this complaint failed for good (the agents' list shows it).
    notification_failed: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})

    history: list[StatusChange] = Relationship(
        back_populates="complaint", cascade_delete=True, sa_relationship_kwargs={"order_by": "StatusChange.id"}
    )
    notifications: list[Notification] = Relationship(
        back_populates="complaint", cascade_delete=True, sa_relationship_kwargs={"order_by": "Notification.due_at"}
    )
    attachments: list[Attachment] = Relationship(
        back_populates="complaint",
        cascade_delete=True,
        sa_relationship_kwargs={"order_by": "(Attachment.created_at, Attachment.id)"},
    )
    assigned_to: Agent | None = Relationship()

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
    assigned_to: AgentRef | None
    erased_at: dt.datetime | None
    rating: int | None = None
    rejections: int = 0
    delayed_to: dt.datetime | None = None
    notification_failed: bool = False


class ComplaintDetail(ComplaintPublic):
    history: list[StatusChangePublic]
    notifications: list[NotificationPublic]
    attachments: list[AttachmentPublic]


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
    tracking_number: Annotated[str, StringConstraints(max_length=20), AfterValidator(parse_tracking_number)]
    pin: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
    # The language of the answer's status_label; default the complaint's.
    language: Language | None = None


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


# --- privacy ------------------------------------------------------------------------------------


class DataSubject(SQLModel):
    """Whose personal data: every complaint with this phone number or this e-mail address.
    A phone number without a country code is read in each policy's region."""

    phone: Annotated[str, _stripped(40)] | None = None
    email: Annotated[str, _stripped(254)] | None = None

    @model_validator(mode="after")
    def _one_given(self) -> "DataSubject":
        if self.phone is None and self.email is None:
            raise ValueError("give the customer's phone or e-mail (or both)")
        return self


class PersonalDataExport(SQLModel):
    exported_at: dt.datetime
    complaints: list[ComplaintDetail]


class ErasureResult(SQLModel):
    erased_at: dt.datetime
    tracking_numbers: list[str]
    attachments_removed: int
