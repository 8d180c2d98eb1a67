"""An agent's Telegram chat, and the one-time codes that link it from the console."""

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.app.core.models import UTCDateTime


class StaffTelegramLink(SQLModel, table=True):
    """One Telegram chat per agent, one agent per chat: the staff bot serves a chat only while
    it is linked to an active agent."""

    __tablename__ = "staff_telegram_link"

    agent_id: int = Field(foreign_key="agent.id", ondelete="CASCADE", primary_key=True)
    # Telegram's chat ids exceed 32 bits.
    chat_id: int = Field(sa_type=sa.BigInteger, unique=True)
    # Shown to the agent and supervisors only: who the console is linked to.
    username: str | None = Field(default=None, max_length=64)
    linked_at: dt.datetime = Field(sa_type=UTCDateTime)


class StaffTelegramCode(SQLModel, table=True):
    """A code the console shows once, for `/start CODE` to the bot. Only its SHA-256 is stored
    (the code is random and lives minutes, a slow hash would add nothing); it is spent on use."""

    __tablename__ = "staff_telegram_code"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    agent_id: int = Field(foreign_key="agent.id", ondelete="CASCADE", index=True)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class LinkCode(SQLModel):
    code: str
    expires_at: dt.datetime
    # What to send to the bot, and a t.me deep link when the bot's username is known.
    command: str
    deep_link: str | None = None
    bot_username: str | None = None


class LinkStatus(SQLModel):
    # False when STAFF_TELEGRAM_BOT_TOKEN is not set: the console hides the linking.
    enabled: bool
    linked: bool
    username: str | None = None
    linked_at: dt.datetime | None = None
    bot_username: str | None = None
