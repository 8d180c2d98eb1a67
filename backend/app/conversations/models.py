"""Conversation messages (customers, the bot, agents) and the Rasa tracker events they come
from: the table and the API schemas."""

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, StringConstraints
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from backend.app.core.models import UTCDateTime

MAX_MESSAGE_CHARS = 10_000


class MessageRole(StrEnum):
    user = "user"
    bot = "bot"
    agent = "agent"


# --- messages ---------------------------------------------------------------------------------


class ConversationMessage(SQLModel, table=True):
    """One message of a conversation, whoever wrote it; fed by the rasa server's event broker
    (customer and bot) and by the console (agents)."""

    __tablename__ = "conversation_message"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(max_length=200, index=True)
    role: MessageRole = Field(sa_type=sa.String(8))
    text: str = Field(sa_type=sa.Text)
    # When it was said (the rasa event's timestamp), and when the backend stored it.
    at: dt.datetime = Field(sa_type=UTCDateTime)
    stored_at: dt.datetime = Field(sa_type=UTCDateTime, index=True)
    channel: str | None = Field(default=None, max_length=32)
    # De-duplicates the broker's retries; an agent's message carries its own id to Rasa and back.
    event_key: str = Field(max_length=64, unique=True)
    agent_username: str | None = Field(default=None, max_length=32)
    agent_name: str | None = Field(default=None, max_length=200)
    # Agent messages: when Rasa accepted it for the customer's channel, or why it did not.
    delivered_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivery_error: str | None = Field(default=None, max_length=200)
    # User messages: the intent Rasa read; bot messages: button titles; files: their ids.
    intent: str | None = Field(default=None, max_length=100)
    extra: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)


class MessagePublic(SQLModel):
    id: int
    conversation_id: str
    role: MessageRole
    text: str
    at: dt.datetime
    channel: str | None
    agent_username: str | None
    agent_name: str | None
    delivered_at: dt.datetime | None
    delivery_error: str | None
    intent: str | None
    buttons: list[str] = []
    attachments: list[dict[str, Any]] = []


# --- events from the rasa server ----------------------------------------------------------------


class RasaEvent(BaseModel):
    """What the event broker forwards of one tracker event (bot/runtime/event_broker.py)."""

    sender_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    event: Annotated[str, StringConstraints(max_length=64)]
    timestamp: float | None = None
    text: str | None = None
    input_channel: Annotated[str, StringConstraints(max_length=64)] | None = None
    message_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    intent: Annotated[str, StringConstraints(max_length=100)] | None = None
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    value: Any = None
    metadata: dict[str, Any] | None = None
    buttons: list[str] | None = None


class RasaEventBatch(BaseModel):
    events: list[RasaEvent] = PydanticField(max_length=1000)


class RasaEventsStored(SQLModel):
    received: int
    messages: int
