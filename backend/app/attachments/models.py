"""Files customers send and agents add: the table and its API schemas."""

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from backend.app.core.models import UTCDateTime
from contract.statuses import Channel

if TYPE_CHECKING:
    from backend.app.complaints.models import Complaint


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
