"""The customer's own view of a complaint: tracking number + PIN, no bearer token."""

import datetime as dt
import logging

from fastapi import APIRouter, HTTPException, status

from backend.app.complaints import service
from backend.app.complaints.deps import complaint_or_404
from backend.app.complaints.models import StatusLookup, StatusLookupPublic
from backend.app.complaints.presenters import customer_status
from backend.app.core.deps import SessionDep, SettingsDep
from backend.app.core.models import utcnow
from backend.app.policies.deps import PoliciesDep

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/status-lookup", tags=["status look-up"])


@router.post(
    "",
    responses={
        403: {"description": "wrong PIN"},
        422: {"description": "malformed tracking number or PIN"},
        404: {"description": "unknown tracking number"},
        429: {"description": "too many wrong PINs; see Retry-After"},
    },
)
def look_up_status(
    lookup: StatusLookup, session: SessionDep, settings: SettingsDep, policies: PoliciesDep
) -> StatusLookupPublic:
    # lookup.tracking_number is parsed and normalised by StatusLookup
    complaint = complaint_or_404(session, lookup.tracking_number)
    try:
        service.check_customer_pin(
            session=session,
            complaint=complaint,
            pin=lookup.pin,
            max_attempts=settings.pin_max_attempts,
            lockout=dt.timedelta(minutes=settings.pin_lockout_minutes),
            now=utcnow(),
        )
    except service.PinLocked as locked:
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=str(locked),
            headers={"Retry-After": str(max(1, int(locked.remaining.total_seconds())))},
        ) from None
    except service.WrongPin:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="wrong PIN") from None
    return customer_status(complaint, policies[complaint.policy], lookup.language)
