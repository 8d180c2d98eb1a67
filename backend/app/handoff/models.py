"""The handoff to a human agent: the table of handoffs and its API schemas."""

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import StringConstraints, field_validator
from sqlmodel import Field, SQLModel

from backend.app.complaints.models import ComplaintDetail
from backend.app.core.models import UTCDateTime
from contract.fields import CARD_SLOTS as _CARD_SLOTS
from contract.statuses import Language

# The slots the action server sends with a handoff, and that slot events keep up to date.
CARD_SLOTS = _CARD_SLOTS
_MAX_SLOT_CHARS = 10_000


class HandoffStatus(StrEnum):
    waiting = "waiting"  # in the queue, nobody has it
    active = "active"  # an agent has it
    closed = "closed"  # back with the bot


OPEN_STATUSES = (HandoffStatus.waiting, HandoffStatus.active)


class HandoffReason(StrEnum):
    requested = "requested"
    not_understood = "not_understood"
    angry = "angry"
    outreach = "outreach"  # an agent wrote to the customer from a complaint (handoff/outreach.py)


class HandoffOutcome(StrEnum):
    returned = "returned"  # the bot resumed the form where it left off
    closed = "closed"  # the bot listens again but asks nothing


class AgentMessageCreate(SQLModel):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


# --- handoffs ---------------------------------------------------------------------------------


class Handoff(SQLModel, table=True):
    __tablename__ = "handoff"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(max_length=200, index=True)
    # The conversation id while the handoff is open, null once closed: at most one open
    # handoff per conversation, enforced by the database.
    open_conversation_id: str | None = Field(default=None, max_length=200, unique=True)
    status: HandoffStatus = Field(sa_type=sa.String(16), index=True)
    reason: HandoffReason = Field(sa_type=sa.String(16))
    channel: str = Field(max_length=32)
    language: Language | None = Field(default=None, sa_type=sa.String(2))
    policy: str = Field(max_length=32)
    # What the bot had collected (CARD_SLOTS), kept current by slot events while open.
    slots: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    requested_at: dt.datetime = Field(sa_type=UTCDateTime)
    expected_reply_by: dt.datetime = Field(sa_type=UTCDateTime)
    within_working_hours: bool
    next_shift_starts: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The agent who has it: an account's username, or "agent" for the built-in AGENT_TOKEN.
    agent_username: str | None = Field(default=None, max_length=32)
    agent_name: str | None = Field(default=None, max_length=200)
    taken_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = Field(default=None, max_length=32)
    outcome: HandoffOutcome | None = Field(default=None, sa_type=sa.String(16))
    # Rasa's pause as the event broker last reported it.
    bot_paused: bool = True
    # A complaint registered (or found) from the console's card.
    tracking_number: str | None = Field(default=None, max_length=9)
    # Who did what: [{at, action, actor, to?, note?}]
    log: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)


class HandoffCreate(SQLModel):
    conversation_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    channel: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    language: Language | None = None
    policy: str | None = None
    reason: HandoffReason = HandoffReason.requested
    slots: dict[str, Any] = {}

    @field_validator("language", mode="before")
    @classmethod
    def _unknown_language_is_none(cls, value: Any) -> Any:
        return value if value in {language.value for language in Language} else None

    @field_validator("slots")
    @classmethod
    def _card_slots_only(cls, value: dict[str, Any]) -> dict[str, Any]:
        return {name: clean_slot_value(value.get(name)) for name in CARD_SLOTS if value.get(name) is not None}


def clean_slot_value(value: Any) -> Any:
    """Slot values as the card shows them: scalars, long texts cut."""
    if isinstance(value, str):
        return value[:_MAX_SLOT_CHARS]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)[:_MAX_SLOT_CHARS]


class HandoffCreated(SQLModel):
    """The action server's answer: what the customer is told."""

    id: int
    status: HandoffStatus
    expected_reply_by: dt.datetime
    within_working_hours: bool
    next_shift_starts: dt.datetime | None


class HandoffPublic(SQLModel):
    id: int
    conversation_id: str
    status: HandoffStatus
    reason: HandoffReason
    channel: str
    language: Language | None
    policy: str
    customer_name: str | None
    requested_at: dt.datetime
    waiting_seconds: int
    expected_reply_by: dt.datetime
    within_working_hours: bool
    next_shift_starts: dt.datetime | None
    agent_username: str | None
    agent_name: str | None
    taken_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: HandoffOutcome | None
    bot_paused: bool
    tracking_number: str | None
    last_message_at: dt.datetime | None = None


class HandoffDetail(HandoffPublic):
    slots: dict[str, Any]
    log: list[dict[str, Any]]
    complaint: ComplaintDetail | None
    # The slots the policy still needs before a complaint can be registered.
    missing_fields: list[str]


class TransferRequest(SQLModel):
    # The agent's username; null puts the conversation back in the queue.
    username: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=32)] | None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class LinkComplaint(SQLModel):
    tracking_number: Annotated[str, StringConstraints(max_length=20)]


class CloseRequest(SQLModel):
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


HandoffFilter = Literal["open", "waiting", "active", "closed", "all"]
