"""The customer's own view of a complaint: tracking number + PIN, no bearer token.

Two limits (backend/app/tracking/guard.py): each complaint locks after wrong PINs, and each
client may fail only so many look-ups across all tracking numbers; every answer to a limited
client carries RateLimit-Limit/-Remaining/-Reset, and a refusal for either limit is a 429 with
Retry-After."""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response

from backend.app.complaints.deps import PIN_RESPONSES
from backend.app.complaints.models import StatusLookup, StatusLookupPublic
from backend.app.complaints.presenters import customer_status
from backend.app.core.deps import SessionDep, SettingsDep
from backend.app.core.models import utcnow
from backend.app.policies.deps import PoliciesDep
from backend.app.tracking import guard

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/status-lookup", tags=["status look-up"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    **PIN_RESPONSES,
    HTTPStatus.TOO_MANY_REQUESTS: {
        "description": "too many wrong PINs for this complaint, or too many failed look-ups from this "
        "client across tracking numbers; see Retry-After and RateLimit-*"
    },
}


@router.post("", responses=_RESPONSES)
def look_up_status(
    lookup: StatusLookup,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    policies: PoliciesDep,
    limit: guard.LookupLimitDep,
) -> StatusLookupPublic:
    # lookup.tracking_number is parsed and normalised by StatusLookup
    try:
        complaint, budget = guard.look_up(
            session=session,
            settings=settings,
            limit=limit,
            client=guard.client_key(request, settings),
            tracking_number=lookup.tracking_number,
            pin=lookup.pin,
            now=utcnow(),
        )
    except guard.OverLimit as over:
        raise HTTPException(HTTPStatus.TOO_MANY_REQUESTS, detail=str(over), headers=over.budget.headers) from None
    except guard.Refused as refused:
        headers = {} if refused.budget is None else refused.budget.headers
        if refused.locked is None:
            raise HTTPException(HTTPStatus.NOT_FOUND, detail=str(refused), headers=headers or None) from None
        headers = {**headers, "Retry-After": refused.locked.retry_after}
        raise HTTPException(HTTPStatus.TOO_MANY_REQUESTS, detail=str(refused), headers=headers) from None
    if budget is not None:
        response.headers.update(budget.headers)
    return customer_status(complaint, policies[complaint.policy], lookup.language)
