"""What the routes about one complaint share, whichever feature they belong to: the tracking
number in the path, the look-up that answers 404 for an unknown one, and the one answer of
the routes that take a PIN (pin_check)."""

from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import HTTPException, Path
from pydantic import AfterValidator
from sqlmodel import Session

from backend.app.complaints import pin_check, service
from backend.app.complaints.models import Complaint
from backend.app.core.lockout import Locked
from backend.app.core.security import parse_tracking_number

TrackingNumber = Annotated[
    str,
    Path(max_length=20, description="XXXX-XXXX; case, spaces and the dash do not matter"),
    AfterValidator(parse_tracking_number),
]

# The OpenAPI description of the answers of a route that takes a PIN.
PIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    HTTPStatus.NOT_FOUND: {"description": "unknown tracking number or wrong PIN (one answer for both)"},
    HTTPStatus.UNPROCESSABLE_ENTITY: {"description": "malformed tracking number or PIN"},
    HTTPStatus.TOO_MANY_REQUESTS: {"description": "too many wrong PINs for this complaint; see Retry-After"},
}


def complaint_or_404(session: Session, tracking_number: str, *, for_update: bool = False) -> Complaint:
    """`tracking_number` already parsed (TrackingNumber, or parse_tracking_number)."""
    complaint = service.get_complaint_by_tracking_number(
        session=session, tracking_number=tracking_number, for_update=for_update
    )
    if complaint is None:
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="unknown tracking number")
    return complaint


@contextmanager
def pin_refusals() -> Iterator[None]:
    """pin_check's refusals as HTTP answers: NoMatch is a 404 with the same body and headers
    whatever the cause; Locked a 429 with Retry-After."""
    try:
        yield
    except pin_check.NoMatch as refused:
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail=str(refused)) from None
    except Locked as locked:
        raise HTTPException(
            status_code=HTTPStatus.TOO_MANY_REQUESTS, detail=str(locked), headers={"Retry-After": locked.retry_after}
        ) from None
