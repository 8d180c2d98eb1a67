"""Handoff to a human agent: the action server queues a conversation, agents take it, write to
the customer through Rasa, pass it on, and give it back to the bot (what happens: flows.py)."""

import datetime as dt
from collections.abc import Callable
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response

from backend.app.accounts.deps import CurrentAgent, CurrentCaller, active_agent_or_422
from backend.app.clients.rasa import RasaClient, RasaUnavailable, rasa_client
from backend.app.complaints.deps import complaint_or_404
from backend.app.conversations import service as conversation_service
from backend.app.conversations.models import MessagePublic
from backend.app.conversations.presenters import message_public
from backend.app.core.deps import SessionDep, SettingsDep
from backend.app.core.errors import invalid, refusals
from backend.app.core.models import utcnow
from backend.app.core.security import parse_tracking_number
from backend.app.core.settings import PolicyId
from backend.app.handoff import flows, service
from backend.app.handoff.hub import ConsoleHub, console_hub
from backend.app.handoff.models import (
    OPEN_STATUSES,
    AgentMessageCreate,
    CloseRequest,
    Handoff,
    HandoffCreate,
    HandoffCreated,
    HandoffDetail,
    HandoffFilter,
    HandoffOutcome,
    HandoffPublic,
    HandoffStatus,
    LinkComplaint,
    TransferRequest,
)
from backend.app.handoff.presenters import handoff_detail, handoff_public
from backend.app.handoff.service import Actor
from backend.app.policies.deps import PoliciesDep
from backend.app.policies.working_hours import availability

router = APIRouter(prefix="/api/handoffs", tags=["handoffs"])

_FILTERS: dict[str, tuple[HandoffStatus, ...]] = {
    "open": OPEN_STATUSES,
    "waiting": (HandoffStatus.waiting,),
    "active": (HandoffStatus.active,),
    "closed": (HandoffStatus.closed,),
    "all": tuple(HandoffStatus),
}
_NOT_FOUND = {HTTPStatus.NOT_FOUND: {"description": "unknown handoff"}}
_GIVE_BACK_ANSWERS = {
    HTTPStatus.CONFLICT: {"description": "not taken, or already closed"},
    HTTPStatus.FORBIDDEN: {"description": "another agent has it"},
    HTTPStatus.BAD_GATEWAY: {"description": "rasa did not resume; the agent keeps the conversation"},
}


def _handoff_or_404(session: SessionDep, handoff_id: int) -> Handoff:
    handoff = service.get_handoff(session=session, handoff_id=handoff_id)
    if handoff is None:
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="unknown handoff")
    return handoff


# The handoff's refusals: another agent has it, or its state does not allow it (the outreach
# route adds its own).
REFUSALS = {service.NotYours: HTTPStatus.FORBIDDEN, service.HandoffConflict: HTTPStatus.CONFLICT}


def _hub(request: Request) -> ConsoleHub:
    return console_hub(request.app.state)


def _rasa(request: Request, settings: SettingsDep) -> RasaClient:
    return rasa_client(request.app.state, settings)


@router.post(
    "",
    status_code=HTTPStatus.CREATED,
    responses={HTTPStatus.OK: {"model": HandoffCreated, "description": "the conversation's open handoff"}},
)
def request_handoff(
    handoff_in: HandoffCreate,
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
    policies: PoliciesDep,
    request: Request,
    response: Response,
) -> HandoffCreated:
    """The action server hands a conversation over (service token; an agent may too). Answers
    when a person will reply: inside the policy's working hours within `reply_within_minutes`,
    outside them at the next shift. A conversation already in the queue or with an agent gets
    its open handoff back (200)."""
    policy_id = handoff_in.policy or settings.complaint_policy
    if policy_id not in policies:
        raise invalid("body", "policy", "unknown policy", policy_id)
    policy = policies[policy_id]
    handoff, created = flows.request_handoff(
        session=session, handoff_in=handoff_in, policy=policy, by=caller.actor, hub=_hub(request), now=utcnow()
    )
    if not created:
        response.status_code = HTTPStatus.OK
    return HandoffCreated(
        id=handoff.id or 0,
        status=handoff.status,
        expected_reply_by=policy.local(handoff.expected_reply_by),
        within_working_hours=handoff.within_working_hours,
        next_shift_starts=handoff.next_shift_starts and policy.local(handoff.next_shift_starts),
    )


@router.get("/availability")
def working_hours_now(
    policies: PoliciesDep,
    settings: SettingsDep,
    _caller: CurrentCaller,
    policy: PolicyId | None = None,
    at: Annotated[dt.datetime | None, Query(description="ISO 8601; default now")] = None,
) -> HandoffCreated:
    """What a handoff at `at` would promise (no handoff is made); `id` is 0."""
    profile = policies[policy or settings.complaint_policy]
    moment = at or utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=profile.tz)
    when = availability(profile.working_hours, profile.calendar, profile.tz, moment)
    return HandoffCreated(
        id=0,
        status=HandoffStatus.waiting,
        expected_reply_by=when.expected_reply_by,
        within_working_hours=when.within_working_hours,
        next_shift_starts=when.next_shift_starts,
    )


@router.get("")
def list_handoffs(
    session: SessionDep,
    _agent: CurrentAgent,
    policies: PoliciesDep,
    status: HandoffFilter = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[HandoffPublic]:
    """The queue: waiting conversations first (longest waiting first), then those agents have."""
    handoffs = service.list_handoffs(session=session, statuses=_FILTERS[status], limit=limit, offset=offset)
    last = conversation_service.last_message_times(
        session=session, conversation_ids=[h.conversation_id for h in handoffs]
    )
    now = utcnow()
    return [handoff_public(h, policies, now=now, last_message_at=last.get(h.conversation_id)) for h in handoffs]


@router.get("/{handoff_id}", responses=_NOT_FOUND)
def read_handoff(handoff_id: int, session: SessionDep, _agent: CurrentAgent, policies: PoliciesDep) -> HandoffDetail:
    """The summary card: what the bot collected, the complaint and its deadlines if registered."""
    handoff = _handoff_or_404(session, handoff_id)
    complaint = service.complaint_for(session=session, handoff=handoff)
    last = conversation_service.last_message_times(session=session, conversation_ids=[handoff.conversation_id])
    return handoff_detail(
        handoff, policies, complaint=complaint, now=utcnow(), last_message_at=last.get(handoff.conversation_id)
    )


@router.get("/{handoff_id}/messages", responses=_NOT_FOUND)
def handoff_messages(
    handoff_id: int,
    session: SessionDep,
    _agent: CurrentAgent,
    limit: Annotated[int, Query(ge=1, le=conversation_service.TRANSCRIPT_LIMIT)] = 500,
) -> list[MessagePublic]:
    """The conversation's transcript (customer, bot and agents), oldest first, the latest `limit`."""
    handoff = _handoff_or_404(session, handoff_id)
    messages = conversation_service.conversation_messages(
        session=session, conversation_id=handoff.conversation_id, limit=limit
    )
    return [message_public(message) for message in messages]


@router.post(
    "/{handoff_id}/take",
    responses={HTTPStatus.CONFLICT: {"description": "another agent has it, or it is closed"}},
)
def take_handoff(
    handoff_id: int, session: SessionDep, agent: CurrentAgent, policies: PoliciesDep, request: Request
) -> HandoffPublic:
    """Takes a waiting conversation. Two agents taking the same one: the second gets 409."""
    handoff = _handoff_or_404(session, handoff_id)
    with refusals(REFUSALS):
        handoff = flows.take(session=session, handoff=handoff, actor=Actor.of(agent), hub=_hub(request))
    return handoff_public(handoff, policies, now=utcnow())


@router.post(
    "/{handoff_id}/transfer",
    responses={
        HTTPStatus.CONFLICT: {"description": "closed, or it changed hands meanwhile"},
        HTTPStatus.FORBIDDEN: {"description": "another agent has it and the caller is no supervisor"},
    },
)
def transfer_handoff(
    handoff_id: int,
    transfer: TransferRequest,
    session: SessionDep,
    agent: CurrentAgent,
    policies: PoliciesDep,
    request: Request,
) -> HandoffPublic:
    """Passes the conversation to another agent (`username`), or back to the queue (`null`)."""
    handoff = _handoff_or_404(session, handoff_id)
    target = None if transfer.username is None else active_agent_or_422(session, transfer.username)
    with refusals(REFUSALS):
        handoff = flows.transfer(
            session=session, handoff=handoff, actor=Actor.of(agent), to=target, note=transfer.note, hub=_hub(request)
        )
    return handoff_public(handoff, policies, now=utcnow())


@router.post(
    "/{handoff_id}/messages",
    status_code=HTTPStatus.CREATED,
    responses={
        HTTPStatus.CONFLICT: {"description": "not taken, or closed"},
        HTTPStatus.FORBIDDEN: {"description": "another agent has it"},
        HTTPStatus.BAD_GATEWAY: {"description": "rasa did not take the message; it is kept, marked undelivered"},
    },
)
def send_message(
    handoff_id: int,
    message_in: AgentMessageCreate,
    session: SessionDep,
    agent: CurrentAgent,
    settings: SettingsDep,
    request: Request,
) -> MessagePublic:
    """Writes to the customer on their channel (Rasa's tracker events with output_channel=latest).
    The message enters the transcript at once; `delivered_at` is set when Rasa took it."""
    handoff = _handoff_or_404(session, handoff_id)
    try:
        with refusals(REFUSALS):
            message = flows.send_agent_message(
                session=session,
                handoff=handoff,
                actor=Actor.of(agent),
                text=message_in.text,
                rasa=_rasa(request, settings),
                hub=_hub(request),
            )
    except RasaUnavailable as exc:
        raise HTTPException(
            status_code=HTTPStatus.BAD_GATEWAY,
            detail=f"the message was not delivered ({exc}); it is kept in the transcript, marked undelivered",
        ) from None
    return message_public(message)


def _give_back_route(outcome: HandoffOutcome, name: str, doc: str) -> Callable[..., HandoffPublic]:
    """The routes that give the conversation back to the bot, one per outcome."""

    def give_back(
        handoff_id: int,
        session: SessionDep,
        agent: CurrentAgent,
        settings: SettingsDep,
        policies: PoliciesDep,
        request: Request,
        body: CloseRequest | None = None,
    ) -> HandoffPublic:
        handoff = _handoff_or_404(session, handoff_id)
        try:
            with refusals(REFUSALS):
                handoff = flows.give_back(
                    session=session,
                    handoff=handoff,
                    actor=Actor.of(agent),
                    outcome=outcome,
                    note=body.note if body else None,
                    rasa=_rasa(request, settings),
                    hub=_hub(request),
                )
        except RasaUnavailable as exc:
            raise HTTPException(
                status_code=HTTPStatus.BAD_GATEWAY, detail=f"the bot could not take the conversation back ({exc})"
            ) from None
        return handoff_public(handoff, policies, now=utcnow())

    give_back.__name__ = give_back.__qualname__ = name
    give_back.__doc__ = doc
    return give_back


router.post("/{handoff_id}/return", responses=_GIVE_BACK_ANSWERS)(
    _give_back_route(
        HandoffOutcome.returned,
        "return_to_bot",
        """Gives the conversation back to the bot: Rasa resumes it and the form asks its question
    again, where it left off, with the slots intact (`EXTERNAL_resume`).""",
    )
)
router.post("/{handoff_id}/close", responses=_GIVE_BACK_ANSWERS)(
    _give_back_route(
        HandoffOutcome.closed,
        "close_handoff",
        """Ends the agent's part when the matter is settled: the bot listens again but asks nothing.
    With a complaint linked from the card, the bot's form ends and it knows the number.""",
    )
)


@router.post(
    "/{handoff_id}/complaint",
    responses={HTTPStatus.NOT_FOUND: {"description": "unknown handoff or tracking number"}},
)
def link_complaint(
    handoff_id: int,
    link: LinkComplaint,
    session: SessionDep,
    agent: CurrentAgent,
    policies: PoliciesDep,
    request: Request,
) -> HandoffDetail:
    """Links the complaint the agent registered (POST /api/complaints) or found to the card."""
    handoff = _handoff_or_404(session, handoff_id)
    try:
        number = parse_tracking_number(link.tracking_number)
    except ValueError as exc:
        raise invalid("body", "tracking_number", str(exc), link.tracking_number) from None
    complaint = complaint_or_404(session, number)
    now = utcnow()
    handoff = flows.link_complaint(
        session=session, handoff=handoff, complaint=complaint, actor=Actor.of(agent), hub=_hub(request), now=now
    )
    return handoff_detail(handoff, policies, complaint=complaint, now=now)
