"""An agent's change of a complaint's category, which moves it to that category's team's queue."""

import logging
from http import HTTPStatus

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError

from backend.app.accounts.deps import CurrentAgent
from backend.app.complaints import service
from backend.app.complaints.deps import TrackingNumber, complaint_or_404
from backend.app.complaints.intake import category_errors
from backend.app.complaints.models import CategoryChange, ComplaintDetail
from backend.app.complaints.views import full_detail
from backend.app.core.deps import SessionDep
from backend.app.core.models import utcnow
from backend.app.policies.deps import PoliciesDep

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/complaints", tags=["complaints"])


@router.post(
    "/{tracking_number}/category",
    responses={
        HTTPStatus.NOT_FOUND: {"description": "unknown tracking number"},
        HTTPStatus.UNPROCESSABLE_ENTITY: {"description": "not a category of the complaint's policy"},
    },
)
def change_complaint_category(
    tracking_number: TrackingNumber,
    change: CategoryChange,
    session: SessionDep,
    agent: CurrentAgent,
    policies: PoliciesDep,
) -> ComplaintDetail:
    """Sets the category (one of the policy's: GET /api/policies/{policy}) and moves the
    complaint to that category's team's queue; the history records it."""
    complaint = complaint_or_404(session, tracking_number, for_update=True)
    policy = policies[complaint.policy]
    errors = [{**error, "loc": ("body", "category")} for error in category_errors(policy, change.category)]
    if errors:
        raise RequestValidationError(errors)
    now = utcnow()
    complaint = service.change_category(
        session=session, complaint=complaint, category=change.category, policy=policy, actor=agent.actor, now=now
    )
    log.info(
        "complaint category changed tracking_number=%s category=%s team_id=%s by=%s",
        complaint.tracking_number,
        complaint.complaint_category,
        complaint.team_id,
        agent.actor,
    )
    return full_detail(session, complaint, policies, now=now)
