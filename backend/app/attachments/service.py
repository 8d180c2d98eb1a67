"""Attachments: the files under ATTACHMENTS_DIR and their rows (keyword-only data functions).

A file is written to a temporary name while it is hashed and counted, then renamed into
place; its name on disk is the attachment's id, never anything the sender chose."""

import datetime as dt
import hashlib
import logging
import mimetypes
import os
import re
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from sqlmodel import Session, col, select

from backend.app.attachments.models import Attachment
from contract.statuses import Channel

log = logging.getLogger(__name__)

_CHUNK = 64 * 1024
_MAX_FILENAME = 255
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$")
GENERIC_CONTENT_TYPE = "application/octet-stream"
# Shown in the agent's browser; anything else (HTML, SVG, scripts...) is only downloaded.
_INLINE_PREFIXES = ("image/png", "image/jpeg", "image/gif", "image/webp", "audio/", "video/", "application/pdf")


class AttachmentTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than the limit of {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class StoredFile:
    storage_key: str
    size: int
    sha256: str


# --- names and types ---------------------------------------------------------------------------


def safe_filename(raw: str | None) -> str:
    """The sender's file name without directories, control characters or characters that
    file systems and headers dislike; at most 255 characters, the extension kept."""
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>:|?*').strip(" .")
    if len(name) > _MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= 16:
            name = stem[: _MAX_FILENAME - len(extension) - 1] + "." + extension
        else:
            name = name[:_MAX_FILENAME]
    return name or "attachment"


def content_type_for(declared: str | None, filename: str) -> str:
    """The declared type when it is a real one, else a guess from the file name."""
    if declared:
        essence = declared.split(";", 1)[0].strip().lower()
        if _CONTENT_TYPE.match(essence) and essence != GENERIC_CONTENT_TYPE:
            return essence
    guessed, _encoding = mimetypes.guess_type(filename)
    return guessed or GENERIC_CONTENT_TYPE


def valid_content_type(value: str) -> bool:
    return bool(_CONTENT_TYPE.match(value.split(";", 1)[0].strip().lower()))


def shown_inline(content_type: str) -> bool:
    return content_type.startswith(_INLINE_PREFIXES)


# --- files -------------------------------------------------------------------------------------


def storage_key_for(attachment_id: uuid.UUID) -> str:
    return f"{attachment_id.hex[:2]}/{attachment_id.hex}"


def path_of(directory: Path, storage_key: str) -> Path:
    path = (directory / storage_key).resolve()
    if directory.resolve() not in path.parents:
        raise ValueError("storage key outside the attachments directory")
    return path


def store_file(*, source: BinaryIO, directory: Path, attachment_id: uuid.UUID, max_bytes: int) -> StoredFile:
    """Copies `source` into the store, hashing and counting as it goes; AttachmentTooLarge
    (and nothing left on disk) past `max_bytes`."""
    key = storage_key_for(attachment_id)
    target = path_of(directory, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as sink:
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise AttachmentTooLarge(max_bytes)
                digest.update(chunk)
                sink.write(chunk)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return StoredFile(storage_key=key, size=size, sha256=digest.hexdigest())


def remove_files(directory: Path, storage_keys: list[str]) -> int:
    """Deletes stored files; returns how many went. A failure is logged, never raised: the
    rows are already gone and a later purge can retry."""
    removed = 0
    for key in storage_keys:
        try:
            path_of(directory, key).unlink(missing_ok=True)
            removed += 1
        except OSError:
            log.exception("could not delete an attachment file storage_key=%s", key)
    return removed


# --- rows --------------------------------------------------------------------------------------


def add_attachment(
    *,
    session: Session,
    source: BinaryIO,
    filename: str | None,
    declared_type: str | None,
    directory: Path,
    max_bytes: int,
    conversation_id: str | None,
    channel: Channel | None,
    complaint_id: int | None,
    uploaded_by: str,
    now: dt.datetime,
) -> Attachment:
    """Stores the file under a new id (AttachmentTooLarge past `max_bytes`) and its row; a file
    whose row could not be written is removed again."""
    name = safe_filename(filename)
    attachment_id = uuid.uuid4()
    stored = store_file(source=source, directory=directory, attachment_id=attachment_id, max_bytes=max_bytes)
    attachment = Attachment(
        id=attachment_id,
        complaint_id=complaint_id,
        conversation_id=conversation_id,
        channel=channel,
        filename=name,
        content_type=content_type_for(declared_type, name),
        size=stored.size,
        sha256=stored.sha256,
        storage_key=stored.storage_key,
        uploaded_by=uploaded_by,
        created_at=now,
    )
    try:
        session.add(attachment)
        session.commit()
        session.refresh(attachment)
    except BaseException:
        remove_files(directory, [stored.storage_key])
        raise
    return attachment


def get_attachment(*, session: Session, attachment_id: uuid.UUID) -> Attachment | None:
    return session.get(Attachment, attachment_id)


def link_conversation_attachments(*, session: Session, complaint_id: int, conversation_id: str | None) -> None:
    """Gives a newly registered complaint the files its conversation sent before (the
    caller commits)."""
    if conversation_id is None:
        return
    session.exec(
        sa.update(Attachment)
        .where(col(Attachment.conversation_id) == conversation_id, col(Attachment.complaint_id).is_(None))
        .values(complaint_id=complaint_id)
    )


def unlinked_older_than(*, session: Session, before: dt.datetime) -> list[Attachment]:
    return list(
        session.exec(
            select(Attachment).where(col(Attachment.complaint_id).is_(None), col(Attachment.created_at) < before)
        ).all()
    )
