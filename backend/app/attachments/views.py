"""Files customers send in a conversation (photos of a receipt, a voice message...), and the
scans agents add to a complaint. The channel connectors upload them while the conversation
runs; registering a complaint with the same conversation_id links them to it."""

import logging
import uuid
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse

from backend.app.accounts.deps import CurrentAgent, CurrentCaller
from backend.app.attachments import service
from backend.app.attachments.models import AttachmentUploaded
from backend.app.complaints.deps import complaint_or_404
from backend.app.core.deps import SessionDep, SettingsDep
from backend.app.core.errors import field_error, refusals
from backend.app.core.models import utcnow
from backend.app.core.security import Role, parse_tracking_number
from backend.app.core.settings import Settings
from contract.statuses import Channel

log = logging.getLogger(__name__)

UPLOAD_PATH = "/api/attachments"
# Room for the multipart boundaries and the other form fields around the file.
MULTIPART_ALLOWANCE = 64 * 1024


def upload_body_limit(settings: Settings) -> int:
    """The upload request's body limit (see backend.app.core.body_limits); the file itself is
    held to ATTACHMENT_MAX_BYTES while it is stored."""
    return settings.attachment_max_bytes + MULTIPART_ALLOWANCE


router = APIRouter(prefix=UPLOAD_PATH, tags=["attachments"])


@router.post(
    "",
    status_code=HTTPStatus.CREATED,
    responses={
        HTTPStatus.NOT_FOUND: {"description": "unknown tracking number"},
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE: {"description": "the file is larger than ATTACHMENT_MAX_BYTES"},
    },
)
def upload_attachment(
    file: Annotated[UploadFile, File(description="the file")],
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
    conversation_id: Annotated[
        str | None, Form(min_length=1, max_length=200, description="the chat's conversation (Rasa sender id)")
    ] = None,
    channel: Annotated[Channel | None, Form()] = None,
    content_type: Annotated[
        str | None, Form(max_length=127, description="overrides the part's own Content-Type")
    ] = None,
    tracking_number: Annotated[
        str | None, Form(max_length=20, description="attach to this registered complaint at once")
    ] = None,
) -> AttachmentUploaded:
    """Stores one file (at most ATTACHMENT_MAX_BYTES; larger -> 413). Give `conversation_id`
    (the file is linked when the conversation's complaint is registered), `tracking_number`
    (linked at once), or both."""
    errors: list[dict[str, Any]] = []
    if conversation_id is None and tracking_number is None:
        errors.append(field_error("body", "conversation_id", "give conversation_id or tracking_number", kind="missing"))
    if content_type is not None and not service.valid_content_type(content_type):
        errors.append(field_error("body", "content_type", "not a media type like image/jpeg", content_type))
    number = None
    if tracking_number is not None:
        try:
            number = parse_tracking_number(tracking_number)
        except ValueError as exc:
            errors.append(field_error("body", "tracking_number", str(exc), tracking_number))
    if errors:
        raise RequestValidationError(errors)
    complaint = None if number is None else complaint_or_404(session, number)
    if complaint is not None and caller.role is not Role.agent and complaint.conversation_id != conversation_id:
        # The action server attaches only within the complaint's own conversation; the answer is
        # the one an unknown number gets, so it tells nothing about which numbers exist.
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="unknown tracking number")
    with refusals({service.AttachmentTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE}):
        attachment = service.add_attachment(
            session=session,
            source=file.file,
            filename=file.filename,
            declared_type=content_type or file.content_type,
            directory=settings.attachments_dir,
            max_bytes=settings.attachment_max_bytes,
            conversation_id=conversation_id,
            channel=channel,
            complaint_id=None if complaint is None else complaint.id,
            uploaded_by=caller.actor,
            now=utcnow(),
        )
    log.info(
        "attachment stored id=%s size=%d content_type=%s channel=%s tracking_number=%s by=%s",
        attachment.id,
        attachment.size,
        attachment.content_type,
        attachment.channel,
        number,
        caller.actor,
    )
    # Before a complaint exists there is no policy: the time is in UTC.
    return AttachmentUploaded.model_validate(attachment, update={"tracking_number": number})


@router.get(
    "/{attachment_id}",
    response_class=FileResponse,
    responses={HTTPStatus.NOT_FOUND: {"description": "unknown attachment or its file"}},
)
def download_attachment(
    attachment_id: uuid.UUID, session: SessionDep, _agent: CurrentAgent, settings: SettingsDep
) -> FileResponse:
    """The file itself. Images, audio, video and PDF are shown in the browser; anything else
    is only downloaded, and nothing may run scripts on the backend's origin."""
    attachment = service.get_attachment(session=session, attachment_id=attachment_id)
    if attachment is None:
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="unknown attachment")
    path = service.path_of(settings.attachments_dir, attachment.storage_key)
    if not path.is_file():
        log.error("attachment file missing id=%s storage_key=%s", attachment.id, attachment.storage_key)
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="the attachment's file is missing")
    inline = service.shown_inline(attachment.content_type)
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}
    if attachment.content_type != "application/pdf":  # browsers' PDF viewers refuse a sandbox
        headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'"
    return FileResponse(
        path,
        media_type=attachment.content_type,
        filename=attachment.filename,
        content_disposition_type="inline" if inline else "attachment",
        headers=headers,
    )
