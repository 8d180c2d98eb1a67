"""The customer's own view of a complaint: tracking number + PIN, no bearer token."""

import logging

from fastapi import APIRouter

from backend.app.complaints import pin_check
from backend.app.complaints.deps import PIN_RESPONSES, pin_refusals
from backend.app.complaints.models import StatusLookup, StatusLookupPublic
from backend.app.complaints.presenters import customer_status
from backend.app.core.deps import SessionDep, SettingsDep
from backend.app.core.models import utcnow
from backend.app.policies.deps import PoliciesDep

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/status-lookup", tags=["status look-up"])


@router.post("", responses=PIN_RESPONSES)
def look_up_status(
    lookup: StatusLookup, session: SessionDep, settings: SettingsDep, policies: PoliciesDep
) -> StatusLookupPublic:
    # lookup.tracking_number is parsed and normalised by StatusLookup
    with pin_refusals():
        complaint = pin_check.check_pin(
            session=session,
            tracking_number=lookup.tracking_number,
            pin=lookup.pin,
            rules=pin_check.pin_lockout(settings),
            now=utcnow(),
        )
    return customer_status(complaint, policies[complaint.policy], lookup.language)
