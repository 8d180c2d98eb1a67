"""Handoff to a human agent: the action server queues a conversation, agents take it, write to
the customer through Rasa, pass it on, and give it back to the bot."""

import datetime as dt
import logging
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from backend.app.accounts import service as account_service
from backend.app.accounts.models import AgentRole
from backend.app.clients.rasa import RasaUnavailable, rasa_client
from backend.app.complaints import service as complaint_service
from backend.app.core.deps import Caller, CurrentAgent, CurrentCaller, PoliciesDep, SessionDep, SettingsDep
from backend.app.core.models import utcnow
from backend.app.core.security import parse_tracking_number
from backend.app.core.settings import PolicyId
from backend.app.handoff import service
from backend.app.handoff.hub import console_hub
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
    MessagePublic,
    TransferRequest,
)
from backend.app.handoff.presenters import handoff_detail, handoff_public, message_public
from backend.app.policies.working_hours import availability

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/handoffs", tags=["handoffs"])

_FILTERS: dict[str, tuple[HandoffStatus, ...]] = {
    "open": OPEN_STATUSES,
    "waiting": (HandoffStatus.waiting,),
    "active": (HandoffStatus.active,),
    "closed": (HandoffStatus.closed,),
    "all": tuple(HandoffStatus),
}
# The built-in AGENT_TOKEN has no account: it acts as "agent".
BUILTIN_AGENT_NAME = "Agent"


def actor_of(caller: Caller) -> service.Actor:
    if caller.account is not None:
        return service.Actor(
            username=caller.account.username,
            display_name=caller.account.display_name,
            supervisor=caller.has_role(AgentRole.supervisor),
        )
    return service.Actor(username=caller.actor, display_name=BUILTIN_AGENT_NAME)


def _conflict(exc: Exception) -> HTTPException:
    return HTTPException(status_code=HTTPStatus.CONFLICT, detail=str(exc))


def _get_or_404(session: SessionDep, handoff_id: int) -> Handoff:
    handoff = service.get_handoff(session=session, handoff_id=handoff_id)
    if handoff is None:
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="unknown handoff")
    return handoff


def _notify(request: Request) -> None:
    console_hub(request.app.state).notify()


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
        error = {"type": "value_error", "loc": ("body", "policy"), "msg": "unknown policy", "input": policy_id}
        raise RequestValidationError([error])
    policy = policies[policy_id]
    handoff, created = service.create_handoff(session=session, handoff_in=handoff_in, policy=policy, now=utcnow())
    if created:
        log.info(
            "handoff queued id=%s channel=%s language=%s reason=%s within_hours=%s by=%s",
            handoff.id,
            handoff.channel,
            handoff.language,
            handoff.reason,
            handoff.within_working_hours,
            caller.actor,
        )
        _notify(request)
    else:
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
    last = service.last_message_times(session=session, conversation_ids=[h.conversation_id for h in handoffs])
    now = utcnow()
    return [handoff_public(h, policies, now=now, last_message_at=last.get(h.conversation_id)) for h in handoffs]


@router.get("/{handoff_id}", responses={HTTPStatus.NOT_FOUND: {"description": "unknown handoff"}})
def read_handoff(handoff_id: int, session: SessionDep, _agent: CurrentAgent, policies: PoliciesDep) -> HandoffDetail:
    """The summary card: what the bot collected, the complaint and its deadlines if registered."""
    handoff = _get_or_404(session, handoff_id)
    complaint = service.complaint_for(session=session, handoff=handoff)
    last = service.last_message_times(session=session, conversation_ids=[handoff.conversation_id])
    return handoff_detail(
        handoff, policies, complaint=complaint, now=utcnow(), last_message_at=last.get(handoff.conversation_id)
    )


@router.get("/{handoff_id}/messages", responses={HTTPStatus.NOT_FOUND: {"description": "unknown handoff"}})
def handoff_messages(
    handoff_id: int,
    session: SessionDep,
    _agent: CurrentAgent,
    limit: Annotated[int, Query(ge=1, le=service.TRANSCRIPT_LIMIT)] = 500,
) -> list[MessagePublic]:
    """The conversation's transcript (customer, bot and agents), oldest first, the latest `limit`."""
    handoff = _get_or_404(session, handoff_id)
    messages = service.conversation_messages(session=session, conversation_id=handoff.conversation_id, limit=limit)
    return [message_public(message) for message in messages]


@router.post(
    "/{handoff_id}/take",
    responses={HTTPStatus.CONFLICT: {"description": "another agent has it, or it is closed"}},
)
def take_handoff(
    handoff_id: int, session: SessionDep, agent: CurrentAgent, policies: PoliciesDep, request: Request
) -> HandoffPublic:
    """Takes a waiting conversation. Two agents taking the same one: the second gets 409."""
    handoff = _get_or_404(session, handoff_id)
    try:
        handoff = service.take(session=session, handoff=handoff, actor=actor_of(agent), now=utcnow())
    except service.HandoffConflict as exc:
        raise _conflict(exc) from None
    log.info("handoff taken id=%s by=%s", handoff.id, agent.actor)
    _notify(request)
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
    handoff = _get_or_404(session, handoff_id)
    to_name = None
    if transfer.username is not None:
        target = account_service.get_agent_by_username(session=session, username=transfer.username)
        if target is None or not target.is_active:
            error = {
                "type": "value_error",
                "loc": ("body", "username"),
                "msg": "no active agent has this username",
                "input": transfer.username,
            }
            raise RequestValidationError([error])
        to_name = target.display_name
    try:
        handoff = service.transfer(
            session=session,
            handoff=handoff,
            actor=actor_of(agent),
            to_username=transfer.username,
            to_name=to_name,
            note=transfer.note,
            now=utcnow(),
        )
    except service.NotYours as exc:
        raise HTTPException(status_code=HTTPStatus.FORBIDDEN, detail=str(exc)) from None
    except service.HandoffConflict as exc:
        raise _conflict(exc) from None
    log.info("handoff transferred id=%s to=%s by=%s", handoff.id, transfer.username or "queue", agent.actor)
    _notify(request)
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
    handoff = _get_or_404(session, handoff_id)
    actor = actor_of(agent)
    try:
        service.check_can_write(handoff, actor)
    except service.NotYours as exc:
        raise HTTPException(status_code=HTTPStatus.FORBIDDEN, detail=str(exc)) from None
    except service.HandoffConflict as exc:
        raise _conflict(exc) from None
    message = service.add_agent_message(
        session=session, handoff=handoff, actor=actor, text=message_in.text, now=utcnow()
    )
    _notify(request)
    try:
        rasa_client(request.app.state, settings).send_agent_message(
            handoff.conversation_id, message_in.text, agent_name=actor.display_name, message_key=message.event_key
        )
    except RasaUnavailable as exc:
        service.mark_delivery(session=session, message=message, delivered_at=None, error=str(exc))
        log.warning("agent message not delivered handoff=%s: %s", handoff.id, exc)
        raise HTTPException(
            status_code=HTTPStatus.BAD_GATEWAY,
            detail=f"the message was not delivered ({exc}); it is kept in the transcript, marked undelivered",
        ) from None
    message = service.mark_delivery(session=session, message=message, delivered_at=utcnow(), error=None)
    return message_public(message)


def _give_back(
    handoff_id: int,
    body: CloseRequest | None,
    session: SessionDep,
    agent: Caller,
    settings: SettingsDep,
    policies: PoliciesDep,
    request: Request,
    *,
    outcome: HandoffOutcome,
) -> HandoffPublic:
    handoff = _get_or_404(session, handoff_id)
    actor = actor_of(agent)
    try:
        service.check_can_write(handoff, actor)
    except service.NotYours as exc:
        raise HTTPException(status_code=HTTPStatus.FORBIDDEN, detail=str(exc)) from None
    except service.HandoffConflict as exc:
        raise _conflict(exc) from None
    # Rasa first: if it cannot resume, the conversation stays with the agent.
    try:
        rasa = rasa_client(request.app.state, settings)
        if outcome == HandoffOutcome.closed and handoff.tracking_number:
            # Registered from the card: the form must not ask for the complaint again.
            rasa.end_form(handoff.conversation_id, tracking_number=handoff.tracking_number)
        rasa.resume(handoff.conversation_id, ask_again=outcome == HandoffOutcome.returned)
    except RasaUnavailable as exc:
        log.warning("handoff %s not given back: %s", handoff.id, exc)
        raise HTTPException(
            status_code=HTTPStatus.BAD_GATEWAY, detail=f"the bot could not take the conversation back ({exc})"
        ) from None
    try:
        handoff = service.close(
            session=session,
            handoff=handoff,
            actor=actor,
            outcome=outcome,
            note=body.note if body else None,
            now=utcnow(),
        )
    except service.HandoffConflict as exc:
        raise _conflict(exc) from None
    log.info("handoff %s id=%s by=%s", outcome.value, handoff.id, agent.actor)
    _notify(request)
    return handoff_public(handoff, policies, now=utcnow())


@router.post(
    "/{handoff_id}/return",
    responses={
        HTTPStatus.CONFLICT: {"description": "not taken, or already closed"},
        HTTPStatus.FORBIDDEN: {"description": "another agent has it"},
        HTTPStatus.BAD_GATEWAY: {"description": "rasa did not resume; the agent keeps the conversation"},
    },
)
def return_to_bot(
    handoff_id: int,
    session: SessionDep,
    agent: CurrentAgent,
    settings: SettingsDep,
    policies: PoliciesDep,
    request: Request,
    body: CloseRequest | None = None,
) -> HandoffPublic:
    """Gives the conversation back to the bot: Rasa resumes it and the form asks its question
    again, where it left off, with the slots intact (`EXTERNAL_resume`)."""
    return _give_back(handoff_id, body, session, agent, settings, policies, request, outcome=HandoffOutcome.returned)


@router.post(
    "/{handoff_id}/close",
    responses={
        HTTPStatus.CONFLICT: {"description": "not taken, or already closed"},
        HTTPStatus.FORBIDDEN: {"description": "another agent has it"},
        HTTPStatus.BAD_GATEWAY: {"description": "rasa did not resume; the agent keeps the conversation"},
    },
)
def close_handoff(
    handoff_id: int,
    session: SessionDep,
    agent: CurrentAgent,
    settings: SettingsDep,
    policies: PoliciesDep,
    request: Request,
    body: CloseRequest | None = None,
) -> HandoffPublic:
    """Ends the agent's part when the matter is settled: the bot listens again but asks nothing.
    With a complaint linked from the card, the bot's form ends and it knows the number."""
    return _give_back(handoff_id, body, session, agent, settings, policies, request, outcome=HandoffOutcome.closed)


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
    handoff = _get_or_404(session, handoff_id)
    try:
        number = parse_tracking_number(link.tracking_number)
    except ValueError as exc:
        error = {
            "type": "value_error",
            "loc": ("body", "tracking_number"),
            "msg": str(exc),
            "input": link.tracking_number,
        }
        raise RequestValidationError([error]) from None
    complaint = complaint_service.get_complaint_by_tracking_number(session=session, tracking_number=number)
    if complaint is None:
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="unknown tracking number")
    now = utcnow()
    handoff = service.link_complaint(
        session=session, handoff=handoff, tracking_number=number, actor=actor_of(agent), now=now
    )
    _notify(request)
    return handoff_detail(handoff, policies, complaint=complaint, now=now)
