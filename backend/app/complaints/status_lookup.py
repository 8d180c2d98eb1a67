"""The customer's own view of a complaint: tracking number + PIN, no bearer token."""

import datetime as dt
import logging
from typing import NoReturn

from fastapi import APIRouter, HTTPException, status

from backend.app.complaints import service as complaint_service
from backend.app.complaints.models import StatusLookup, StatusLookupPublic
from backend.app.complaints.presenters import customer_status
from backend.app.core.deps import PoliciesDep, SessionDep, SettingsDep
from backend.app.core.models import utcnow
from backend.app.core.security import verify_pin

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
    tracking_number = lookup.tracking_number  # parsed and normalised by StatusLookup
    complaint = complaint_service.get_complaint_by_tracking_number(session=session, tracking_number=tracking_number)
    if complaint is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="unknown tracking number")
    now = utcnow()
    if complaint.pin_locked_until is not None and complaint.pin_locked_until > now:
        _locked(complaint.pin_locked_until - now)
    if not verify_pin(complaint.pin_hash, lookup.pin):
        lockout = dt.timedelta(minutes=settings.pin_lockout_minutes)
        locked = complaint_service.record_pin_failure(
            session=session, complaint=complaint, max_attempts=settings.pin_max_attempts, lockout=lockout, now=now
        )
        if locked:
            log.warning("status look-up locked after wrong PINs tracking_number=%s", tracking_number)
            _locked(lockout)
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="wrong PIN")
    complaint_service.clear_pin_failures(session=session, complaint=complaint)
    return customer_status(complaint, policies[complaint.policy], lookup.language)


def _locked(remaining: dt.timedelta) -> NoReturn:
    raise HTTPException(
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        detail="too many wrong PINs; try again later",
        headers={"Retry-After": str(max(1, int(remaining.total_seconds())))},
    )
