"""What the routes about one complaint share, whichever feature they belong to: the tracking
number in the path, and the look-up that answers 404 for an unknown one."""

from http import HTTPStatus
from typing import Annotated

from fastapi import HTTPException, Path
from pydantic import AfterValidator
from sqlmodel import Session

from backend.app.complaints import service
from backend.app.complaints.models import Complaint
from backend.app.core.security import parse_tracking_number

TrackingNumber = Annotated[
    str,
    Path(max_length=20, description="XXXX-XXXX; case, spaces and the dash do not matter"),
    AfterValidator(parse_tracking_number),
]


def complaint_or_404(session: Session, tracking_number: str, *, for_update: bool = False) -> Complaint:
    """`tracking_number` already parsed (TrackingNumber, or parse_tracking_number)."""
    complaint = service.get_complaint_by_tracking_number(
        session=session, tracking_number=tracking_number, for_update=for_update
    )
    if complaint is None:
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="unknown tracking number")
    return complaint
