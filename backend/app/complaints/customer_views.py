"""The customer's answers, as the action server relays them (service token), or as an agent
records them from a call (agent token): approve or reject a decision, rate the handling.

The action server answers for a complaint only from the complaint's own conversation, or with
its PIN (pin_check); anything else gets the answer of an unknown tracking number."""

import logging
from http import HTTPStatus

from fastapi import APIRouter

from backend.app.accounts.deps import CurrentCaller
from backend.app.complaints import closing_loop, flows, pin_check
from backend.app.complaints.deps import PIN_RESPONSES, TrackingNumber, complaint_or_404, pin_refusals
from backend.app.complaints.models import CustomerDecision, CustomerDecisionAnswer, RatingAnswer, RatingCreate
from backend.app.core.deps import SessionDep, SettingsDep
from backend.app.core.errors import refusals
from backend.app.core.models import utcnow
from backend.app.core.security import Role
from backend.app.notifications.service import NotificationsDep
from backend.app.policies.deps import PoliciesDep
from contract.statuses import ComplaintStatus, Language

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/complaints", tags=["closing loop"])

_RESPONSES = {
    **PIN_RESPONSES,
    HTTPStatus.CONFLICT: {"description": "the complaint is not waiting for this answer"},
}


def _may_answer(
    session: SessionDep,
    settings: SettingsDep,
    caller: CurrentCaller,
    tracking_number: str,
    conversation_id: str | None,
    pin: str | None,
) -> bool:
    """True when the PIN was right (the conversation may change); pin_refusals' answers when
    the caller may not answer for this complaint."""
    relay = pin_check.Relay(by_agent=caller.role is Role.agent, conversation_id=conversation_id, pin=pin)
    with pin_refusals():
        return pin_check.may_answer_for(
            session=session,
            tracking_number=tracking_number,
            relay=relay,
            rules=pin_check.pin_lockout(settings),
            now=utcnow(),
        )


@router.post("/{tracking_number}/customer-decision", responses=_RESPONSES)
def customer_decision(
    tracking_number: TrackingNumber,
    decision: CustomerDecision,
    session: SessionDep,
    settings: SettingsDep,
    caller: CurrentCaller,
    policies: PoliciesDep,
    notifications: NotificationsDep,
) -> CustomerDecisionAnswer:
    """Approve: resolved -> closed. Reject: resolved -> reopened (re-review) the first time,
    disputed from the second time on; the answer names the external remedies of the policy's
    country in the request's language. 409 when the complaint is not resolved."""
    pin_given = _may_answer(session, settings, caller, tracking_number, decision.conversation_id, decision.pin)
    complaint = complaint_or_404(session, tracking_number, for_update=True)
    policy = policies[complaint.policy]
    with refusals({closing_loop.NotResolved: HTTPStatus.CONFLICT}):
        complaint = flows.answer_decision(
            session=session,
            complaint=complaint,
            decision=decision,
            policy=policy,
            recorded_by=caller.actor,
            notifications=notifications,
            now=utcnow(),
            move_to=decision.conversation_id if pin_given else None,
        )
    language = decision.language or Language(complaint.language)
    return CustomerDecisionAnswer(
        tracking_number=complaint.tracking_number,
        status=ComplaintStatus(complaint.status),
        rejections=complaint.rejections,
        external_remedies=closing_loop.external_remedies(policy, language),
    )


@router.post("/{tracking_number}/rating", responses=_RESPONSES)
def rate(
    tracking_number: TrackingNumber,
    rating_in: RatingCreate,
    session: SessionDep,
    settings: SettingsDep,
    caller: CurrentCaller,
) -> RatingAnswer:
    """The customer's 1-5 rating of the handling, after their answer to the decision (closed
    or disputed; 409 before). A second rating replaces the first; both are in the history."""
    _may_answer(session, settings, caller, tracking_number, rating_in.conversation_id, rating_in.pin)
    complaint = complaint_or_404(session, tracking_number, for_update=True)
    with refusals({closing_loop.NotRatable: HTTPStatus.CONFLICT}):
        complaint = closing_loop.record_rating(
            session=session, complaint=complaint, rating=rating_in.rating, recorded_by=caller.actor, now=utcnow()
        )
    log.info("rating stored tracking_number=%s rating=%s", complaint.tracking_number, rating_in.rating)
    return RatingAnswer(tracking_number=complaint.tracking_number, rating=rating_in.rating)
