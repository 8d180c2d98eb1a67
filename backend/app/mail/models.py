"""One row per letter in and out of the e-mail channel: its ids and headers, never the body of
one of our answers (they carry the PIN); the customer's text reaches the transcript through
Rasa, as on every channel."""

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.app.core.models import UTCDateTime


class Direction(StrEnum):
    inbound = "in"
    outbound = "out"


class LetterState(StrEnum):
    handling = "handling"  # a reader holds it until claimed_until (its lease)
    pending = "pending"  # a transient failure (Rasa away): the next reading tries again
    handled = "handled"  # answered, or the bot stayed silent (an agent holds the conversation)
    ignored = "ignored"  # never answered: reason auto_reply, bounce, mailing_list
    failed = "failed"  # will not be tried again: reason says why (no ids or numbers of the customer)
    sent = "sent"  # ours, accepted by the SMTP server


class MailLetter(SQLModel, table=True):
    __tablename__ = "mail_letter"
    # A Message-ID counts once per direction: the same letter read twice (a restart before it
    # was marked \Seen, two replicas on one mailbox) finds its row.
    __table_args__ = (sa.UniqueConstraint("direction", "message_id", name="uq_mail_letter_direction_message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    direction: Direction = Field(sa_type=sa.String(3))
    message_id: str = Field(max_length=998)
    # The thread: the Message-ID of its first letter (References' first, else its own).
    thread: str = Field(max_length=998, index=True)
    in_reply_to: str | None = Field(default=None, max_length=998)
    references: str | None = Field(default=None, sa_type=sa.Text)
    subject: str | None = Field(default=None, max_length=998)
    conversation_id: str | None = Field(default=None, max_length=200, index=True)
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id", ondelete="SET NULL", index=True)
    # The customer's address (the sender of theirs, the recipient of ours): needed to answer,
    # scrubbed by erasure (backend/app/privacy).
    address: str | None = Field(default=None, max_length=254)
    # The conversation's language when the letter was handled (ours are written in it).
    language: str | None = Field(default=None, max_length=2)
    state: LetterState = Field(sa_type=sa.String(16))
    reason: str | None = Field(default=None, max_length=200)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    # Times the same letter came again after it was done (restart mid-fetch, another replica).
    duplicates: int = 0
    size: int | None = None
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
