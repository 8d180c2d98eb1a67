"""The route for writing to the customer from a complaint (what happens: outreach.py)."""

from http import HTTPStatus

from fastapi import APIRouter, HTTPException, Request

from backend.app.accounts.deps import CurrentAgent
from backend.app.clients.rasa import RasaUnavailable, rasa_client
from backend.app.complaints.deps import TrackingNumber, complaint_or_404
from backend.app.conversations.models import MessagePublic
from backend.app.conversations.presenters import message_public
from backend.app.core.deps import SessionDep, SettingsDep
from backend.app.core.errors import refusals
from backend.app.core.models import utcnow
from backend.app.handoff import outreach
from backend.app.handoff.hub import console_hub
from backend.app.handoff.models import AgentMessageCreate
from backend.app.handoff.service import Actor
from backend.app.handoff.views import REFUSALS
from backend.app.policies.deps import PoliciesDep

router = APIRouter(prefix="/api/complaints", tags=["complaints"])


@router.post(
    "/{tracking_number}/messages",
    status_code=HTTPStatus.CREATED,
    responses={
        HTTPStatus.NOT_FOUND: {"description": "unknown tracking number"},
        HTTPStatus.CONFLICT: {"description": "the complaint has no conversation to write in (phone, e-mail, shop)"},
        HTTPStatus.FORBIDDEN: {"description": "another agent has the conversation"},
        HTTPStatus.BAD_GATEWAY: {"description": "rasa did not pause the conversation or take the message"},
    },
)
def write_to_customer(
    tracking_number: TrackingNumber,
    message_in: AgentMessageCreate,
    session: SessionDep,
    agent: CurrentAgent,
    settings: SettingsDep,
    policies: PoliciesDep,
    request: Request,
) -> MessagePublic:
    """Writes to the customer on the complaint's conversation. With no open handoff there, one
    opens, held by the caller, so that the customer's answer comes back to the console; the
    message is in the transcript and the complaint's history."""
    complaint = complaint_or_404(session, tracking_number)
    try:
        with refusals({**REFUSALS, outreach.NoConversation: HTTPStatus.CONFLICT}):
            message = outreach.write_to_customer(
                session=session,
                complaint=complaint,
                policy=policies[complaint.policy],
                actor=Actor.of(agent),
                text=message_in.text,
                rasa=rasa_client(request.app.state, settings),
                hub=console_hub(request.app.state),
                now=utcnow(),
            )
    except RasaUnavailable as exc:
        raise HTTPException(
            status_code=HTTPStatus.BAD_GATEWAY,
            detail=f"the message was not delivered ({exc}); try again",
        ) from None
    return message_public(message)
