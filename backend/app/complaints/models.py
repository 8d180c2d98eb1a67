"""Complaints and their history (status changes, notes, assignments...): tables and API
schemas, per entity XBase -> XCreate / X(table=True) / XPublic."""

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import AfterValidator, StringConstraints, field_validator, model_validator
from sqlmodel import Field, Relationship, SQLModel

from backend.app.accounts.models import Agent, AgentRef
from backend.app.attachments.models import Attachment, AttachmentPublic
from backend.app.core.errors import field_error
from backend.app.core.models import UTCDateTime, blank_to_none, stripped
from backend.app.core.security import parse_tracking_number
from backend.app.core.settings import PolicyId
from backend.app.notifications.models import Notification, NotificationPublic
from backend.app.policies.profile import Deadlines
from backend.app.teams.models import Team
from contract import pins
from contract.statuses import Channel, ComplaintStatus, Language


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
    message = "message"  # an agent wrote to the customer from the complaint (handoff/outreach.py)
    category = "category"  # an agent changed the category: the complaint moved to that team's queue


class DecisionOutcome(StrEnum):
    """What a `resolved` status change decided: the complaint was resolved, or it cannot be
    (the inverter policy's "full written explanation"); both go through the approve / reject loop."""

    resolved = "resolved"
    impossible = "impossible"


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


# --- status changes (the history) ------------------------------------------------------------


class StatusChangeBase(SQLModel):
    status: ComplaintStatus = Field(sa_type=sa.String(16))
    note: str | None = Field(default=None, max_length=2000, sa_type=sa.Text)
    # A customer-facing note is what the status look-up shows the customer.
    visible_to_customer: bool = True
    # Only on `resolved` entries: the decision's outcome and the steps taken (sent with it).
    outcome: DecisionOutcome | None = Field(default=None, sa_type=sa.String(16))
    steps_taken: str | None = Field(default=None, max_length=5000, sa_type=sa.Text)


class StatusChangeCreate(StatusChangeBase):
    @field_validator("note", "steps_taken", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return blank_to_none(value)

    def decision_errors(self) -> list[dict[str, Any]]:
        """What a route answers 422 for (FastAPI's error shape, naming the field): `resolved`
        needs the written decision in `note`; outcome and steps belong to a decision only."""
        if self.status is ComplaintStatus.resolved:
            if self.note is None:
                return [
                    field_error(
                        "body",
                        "note",
                        "note: resolving a complaint needs the written decision (the result) in `note`",
                        kind="decision_required",
                    )
                ]
            return []
        return [
            field_error("body", name, f"{name}: only a `resolved` status change has it", getattr(self, name))
            for name in ("outcome", "steps_taken")
            if getattr(self, name) is not None
        ]


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


class NoteCreate(SQLModel):
    """An internal note: agents only, never shown to the customer."""

    note: Annotated[str, stripped(2000)]


class CategoryChange(SQLModel):
    # One of the complaint's policy's categories (GET /api/policies/{policy}: categories).
    category: Annotated[str, stripped(16)]


class AssignmentCreate(SQLModel):
    # The agent's username; null takes the complaint off whoever has it.
    username: Annotated[str, stripped(32)] | None
    note: Annotated[str, stripped(2000)] | None = None


# --- complaints -----------------------------------------------------------------------------


class ComplaintBase(SQLModel):
    language: Language = Field(sa_type=sa.String(2))
    channel: Channel = Field(sa_type=sa.String(16))
    full_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    staff_member: str | None = Field(default=None, max_length=200)
    complaint_text: str | None = Field(default=None, max_length=10000, sa_type=sa.Text)
    # One of the categories of the complaint's policy (its profile; checked by complaints/intake.py).
    complaint_category: str | None = Field(default=None, max_length=16, sa_type=sa.String(16))
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
            return {key: blank_to_none(value) for key, value in data.items()}
        return data

    @field_validator("email")
    @classmethod
    def _email_syntax(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("not a valid e-mail address")
        return value


class Complaint(ComplaintBase, table=True):
    __tablename__ = "complaint"
    # The workspace's views (complaints/filters.py; alembic 0006, which also adds PostgreSQL's
    # trigram index of the search).
    __table_args__ = (
        sa.Index("ix_complaint_acknowledged_at_acknowledge_by", "acknowledged_at", "acknowledge_by"),
        sa.Index("ix_complaint_status_resolve_by", "status", "resolve_by"),
        sa.Index("ix_complaint_notification_failed_created_at", "notification_failed", "created_at"),
        # The reports: one policy's complaints received in a period (alembic 0013).
        sa.Index("ix_complaint_policy_received_at", "policy", "received_at"),
    )

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
    # Lock-outs since the last right PIN: each lasts twice the one before (core/lockout.py).
    pin_lockouts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    assigned_to_id: int | None = Field(default=None, foreign_key="agent.id", ondelete="SET NULL", index=True)
    # The team whose queue it is in (its category's; the policy's handoff team without one).
    team_id: int | None = Field(default=None, foreign_key="team.id", ondelete="SET NULL", index=True)
    # When the customer's personal data was erased (the complaint stays for the statistics).
    erased_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The closing loop: the customer's 1-5 rating, and how often they rejected a decision.
    rating: int | None = None
    rejections: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The latest decision (a `resolved` status change) and the first dispute: what the reports
    # count "resolved on time" and "disputed" by, kept here so that they need no pass over the
    # history (service.change_status sets them; alembic 0013 filled them from the history).
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    disputed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
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
    team: Team | None = Relationship()

    @property
    def deadlines(self) -> Deadlines:
        return Deadlines(
            acknowledge_by=self.acknowledge_by,
            investigate_by=self.investigate_by,
            progress_update_by=self.progress_update_by,
            resolve_by=self.resolve_by,
        )


class NextDeadline(SQLModel):
    kind: Literal["acknowledge", "investigate", "progress_update", "resolve"]
    at: dt.datetime


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
    # The team's key in the policy's profile (GET /api/teams has its id and names).
    team: str | None = None
    team_id: int | None = None
    erased_at: dt.datetime | None
    rating: int | None = None
    rejections: int = 0
    delayed_to: dt.datetime | None = None
    notification_failed: bool = False
    # The earliest deadline still running (a breached one included); null when none runs.
    next_deadline: NextDeadline | None = None


class DeadlineKind(StrEnum):
    acknowledge = "acknowledge"
    investigate = "investigate"
    progress_update = "progress_update"
    resolve = "resolve"


class DeadlineState(StrEnum):
    met = "met"  # done on time
    open = "open"
    soon = "soon"  # open, due within one working day
    breached = "breached"  # passed while open, or done late


class DeadlineStatePublic(SQLModel):
    kind: DeadlineKind
    due_at: dt.datetime
    # Working days (the policy's calendar) from today, or from when it was done, to the due
    # day: 0 due that day, negative when breached.
    working_days_left: int
    state: DeadlineState


class EarlierComplaint(SQLModel):
    tracking_number: str
    status: ComplaintStatus
    created_at: dt.datetime
    policy: str


class ComplaintDetail(ComplaintPublic):
    history: list[StatusChangePublic]
    notifications: list[NotificationPublic]
    attachments: list[AttachmentPublic]
    deadline_states: list[DeadlineStatePublic] = []
    # The same customer's other complaints (same phone or e-mail), newest first.
    earlier_complaints: list[EarlierComplaint] = []
    # Conversations about it (its own, handoffs linked to it); transcripts at
    # GET /api/conversations/{conversation_id}/messages.
    conversations: list[str] = []
    # The latest decision's (null before there is one).
    outcome: DecisionOutcome | None = None
    steps_taken: str | None = None


class ComplaintRegistered(SQLModel):
    tracking_number: str
    # Shown once to the customer; null on an idempotent replay when it cannot be re-derived.
    pin: str | None
    status: ComplaintStatus
    policy: str
    created_at: dt.datetime
    deadlines: Deadlines


# --- status look-up by the customer -----------------------------------------------------------


# What a customer types as the PIN (six digits); a malformed one is a 422.
Pin = Annotated[str, StringConstraints(pattern=rf"^\d{{{pins.DIGITS}}}$")]


class StatusLookup(SQLModel):
    tracking_number: Annotated[str, StringConstraints(max_length=20), AfterValidator(parse_tracking_number)]
    pin: Pin
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


class StatusTransitions(SQLModel):
    statuses: list[ComplaintStatus]
    # The statuses each status may change to, in the order of `statuses`.
    transitions: dict[ComplaintStatus, list[ComplaintStatus]]


# --- the closing loop: the customer's answer to a decision, the rating, a delay notice ---------


class CustomerDecision(SQLModel):
    approved: bool
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None
    # The language of the answer's external_remedies; default the complaint's.
    language: Language | None = None
    # The conversation the customer answers from. The action server may answer for the
    # complaint only from its own conversation, or with its PIN; only with the PIN do later
    # notifications move to another conversation.
    conversation_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    pin: Pin | None = None

    @field_validator("reason", "conversation_id", "pin", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return blank_to_none(value)


class CustomerDecisionAnswer(SQLModel):
    tracking_number: str
    status: ComplaintStatus
    rejections: int
    # The consumer-protection bodies of the policy's country, in the request's language.
    external_remedies: str


class RatingCreate(SQLModel):
    rating: int
    # As in CustomerDecision: the action server rates only from the complaint's own
    # conversation, or with its PIN.
    conversation_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    pin: Pin | None = None

    @field_validator("conversation_id", "pin", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return blank_to_none(value)

    @field_validator("rating")
    @classmethod
    def _one_to_five(cls, value: int) -> int:
        if not 1 <= value <= 5:
            raise ValueError("a rating is a whole number from 1 to 5")
        return value


class RatingAnswer(SQLModel):
    tracking_number: str
    rating: int


class DelayNoticeCreate(SQLModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    # The new resolution date, a day in the policy's time zone (the end of that day).
    new_date: dt.date
