"""Agents' and the action server's routes of a complaint: register, list, read, change its
status, add a note, assign it; and the statuses with the transitions allowed (for the console)."""

import datetime as dt
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Response
from fastapi.exceptions import RequestValidationError

from backend.app.accounts import service as account_service
from backend.app.accounts.deps import CurrentAgent, CurrentCaller, active_agent_or_422
from backend.app.accounts.models import Agent, AgentRole
from backend.app.complaints import flows, related, service
from backend.app.complaints.deps import TrackingNumber, complaint_or_404
from backend.app.complaints.filters import ComplaintFilter, View
from backend.app.complaints.models import (
    AssignmentCreate,
    Complaint,
    ComplaintCreate,
    ComplaintDetail,
    ComplaintPublic,
    ComplaintRegistered,
    NoteCreate,
    StatusChangeCreate,
    StatusChangePublic,
    StatusTransitions,
)
from backend.app.complaints.presenters import complaint_detail, complaint_public, registration_receipt
from backend.app.core.deps import SessionDep, SettingsDep
from backend.app.core.errors import invalid, refusals
from backend.app.core.metrics import MetricsDep
from backend.app.core.models import utcnow
from backend.app.core.security import Role
from backend.app.core.settings import PolicyId
from backend.app.handoff import service as handoff_service
from backend.app.notifications.service import NotificationsDep
from backend.app.policies.deps import PoliciesDep
from backend.app.policies.profile import IntakeError, PolicyProfile
from backend.app.teams.deps import TeamQueue
from contract.statuses import STATUS_TRANSITIONS, Channel, ComplaintStatus, Language

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/complaints", tags=["complaints"])
statuses_router = APIRouter(tags=["complaints"])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]


@router.post(
    "",
    status_code=HTTPStatus.CREATED,
    responses={
        HTTPStatus.OK: {
            "model": ComplaintRegistered,
            "description": "The same Idempotency-Key again: the complaint registered the first time.",
        }
    },
)
def register_complaint(
    complaint_in: ComplaintCreate,
    session: SessionDep,
    caller: CurrentCaller,
    settings: SettingsDep,
    policies: PoliciesDep,
    response: Response,
    notifications: NotificationsDep,
    metrics: MetricsDep,
    idempotency_key: IdempotencyKey = None,
) -> ComplaintRegistered:
    """Registers a complaint (the action server, or an agent typing in a letter or a call).

    The PIN is in this answer only. With an `Idempotency-Key`, repeating the request returns
    the complaint registered the first time, with status 200 and the same PIN."""
    try:
        registration = flows.register_complaint(
            session=session,
            complaint_in=complaint_in,
            policies=policies,
            settings=settings,
            notifications=notifications,
            metrics=metrics,
            actor=caller.actor,
            in_chat=caller.role is Role.service,
            idempotency_key=idempotency_key,
            now=utcnow(),
        )
    except IntakeError as exc:
        raise RequestValidationError(exc.errors) from None
    except flows.IdempotencyKeyReused as exc:
        raise HTTPException(status_code=HTTPStatus.UNPROCESSABLE_ENTITY, detail=str(exc)) from None
    if registration.replayed:
        response.status_code = HTTPStatus.OK
    complaint = registration.complaint
    return registration_receipt(complaint, policies[complaint.policy], pin=registration.pin)


@router.get("")
def list_complaints(
    session: SessionDep,
    agent: CurrentAgent,
    policies: PoliciesDep,
    response: Response,
    view: Annotated[View, Query(description="a view of the agents' workspace")] = View.all,
    status: ComplaintStatus | None = None,
    overdue: bool | None = None,
    q: Annotated[str | None, Query(max_length=200, description="text in number, name, contacts, text")] = None,
    policy: PolicyId | None = None,
    language: Language | None = None,
    channel: Channel | None = None,
    assigned_to: Annotated[
        str | None, Query(max_length=32, description="an agent's username, `me`, or `none` for unassigned")
    ] = None,
    notification_failed: Annotated[
        bool | None, Query(description="true: a notification to or about the complaint failed for good")
    ] = None,
    team_ids: TeamQueue = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ComplaintPublic]:
    """Newest first. The header `X-Total-Count` tells how many match without paging."""
    now = utcnow()
    assignee: Agent | None = None
    if assigned_to is not None and assigned_to != "none":
        if assigned_to == "me":
            assignee = agent.account
            problem = "the built-in AGENT_TOKEN has no account, so nothing is assigned to it"
        else:
            assignee = account_service.get_agent_by_username(session=session, username=assigned_to)
            problem = "no agent has this username"
        if assignee is None:
            raise invalid("query", "assigned_to", problem, assigned_to)
    wanted = ComplaintFilter(
        view=view,
        status=status,
        overdue=overdue,
        q=q.strip() if q and q.strip() else None,
        policy=policy,
        language=language,
        channel=channel,
        assigned_to_id=None if assignee is None else assignee.id,
        unassigned=assigned_to == "none",
        notification_failed=notification_failed,
        assignee_id=None if agent.account is None else agent.account.id,
        team_ids=team_ids,
    )
    complaints = service.list_complaints(
        session=session, wanted=wanted, policies=policies, now=now, limit=limit, offset=offset
    )
    if offset == 0 and len(complaints) < limit:
        total = len(complaints)  # the whole answer fits in the page: no count query
    else:
        total = service.count_complaints(session=session, wanted=wanted, policies=policies, now=now)
    response.headers["X-Total-Count"] = str(total)
    return [complaint_public(complaint, policies[complaint.policy], now=now) for complaint in complaints]


@router.get("/{tracking_number}", responses={HTTPStatus.NOT_FOUND: {"description": "unknown tracking number"}})
def read_complaint(
    tracking_number: TrackingNumber, session: SessionDep, _agent: CurrentAgent, policies: PoliciesDep
) -> ComplaintDetail:
    """Every field, the deadlines' states, the history, notifications, attachments, the
    conversations about it and the same customer's earlier complaints."""
    complaint = complaint_or_404(session, tracking_number)
    return full_detail(session, complaint, policies, now=utcnow())


def full_detail(
    session: SessionDep, complaint: Complaint, policies: Mapping[str, PolicyProfile], *, now: dt.datetime
) -> ComplaintDetail:
    return complaint_detail(
        complaint,
        policies[complaint.policy],
        now=now,
        earlier=related.earlier_complaints(session=session, complaint=complaint),
        policies=policies,
        conversations=handoff_service.conversation_ids_for(session=session, complaint=complaint),
    )


@router.post(
    "/{tracking_number}/status",
    responses={
        HTTPStatus.NOT_FOUND: {"description": "unknown tracking number"},
        HTTPStatus.CONFLICT: {"description": "transition not allowed"},
    },
)
def change_complaint_status(
    tracking_number: TrackingNumber,
    change_in: StatusChangeCreate,
    session: SessionDep,
    agent: CurrentAgent,
    policies: PoliciesDep,
    notifications: NotificationsDep,
) -> ComplaintDetail:
    """Plans or cancels the customer's and the agents' notifications. `resolved` needs the
    written decision in `note` (422 naming the field), sent to the customer at once with
    `steps_taken`; `outcome` "impossible" sends it as the explanation of why the complaint
    cannot be resolved (the same approve / reject loop follows)."""
    errors = change_in.decision_errors()
    if errors:
        raise RequestValidationError(errors)
    complaint = complaint_or_404(session, tracking_number, for_update=True)
    policy = policies[complaint.policy]
    now = utcnow()
    with refusals({service.TransitionNotAllowed: HTTPStatus.CONFLICT}):
        complaint = flows.change_status(
            session=session,
            complaint=complaint,
            change_in=change_in,
            policy=policy,
            actor=agent.actor,
            notifications=notifications,
            now=now,
        )
    return full_detail(session, complaint, policies, now=now)


@router.post(
    "/{tracking_number}/notes",
    status_code=HTTPStatus.CREATED,
    responses={HTTPStatus.NOT_FOUND: {"description": "unknown tracking number"}},
)
def add_internal_note(
    tracking_number: TrackingNumber,
    note_in: NoteCreate,
    session: SessionDep,
    agent: CurrentAgent,
    policies: PoliciesDep,
) -> StatusChangePublic:
    """An internal note for colleagues, in the history; never shown to the customer."""
    complaint = complaint_or_404(session, tracking_number, for_update=True)
    entry = service.add_note(session=session, complaint=complaint, note=note_in.note, actor=agent.actor, now=utcnow())
    log.info("internal note added tracking_number=%s by=%s", complaint.tracking_number, agent.actor)
    return StatusChangePublic.model_validate(entry, update={"at": policies[complaint.policy].local(entry.at)})


@router.post(
    "/{tracking_number}/assign",
    responses={
        HTTPStatus.NOT_FOUND: {"description": "unknown tracking number"},
        HTTPStatus.FORBIDDEN: {"description": "the complaint is someone else's and the caller no supervisor"},
    },
)
def assign_complaint(
    tracking_number: TrackingNumber,
    assignment: AssignmentCreate,
    session: SessionDep,
    agent: CurrentAgent,
    policies: PoliciesDep,
) -> ComplaintDetail:
    """Gives the complaint to an active agent (`username`), or to nobody (`null`). Agents
    assign complaints nobody has and their own; supervisors and admins any."""
    complaint = complaint_or_404(session, tracking_number, for_update=True)
    assignee = None if assignment.username is None else active_agent_or_422(session, assignment.username)
    now = utcnow()
    with refusals({service.AssignmentNotAllowed: HTTPStatus.FORBIDDEN}):
        complaint = service.assign(
            session=session,
            complaint=complaint,
            assignee=assignee,
            note=assignment.note,
            actor=agent.actor,
            actor_is_supervisor=agent.has_role(AgentRole.supervisor),
            now=now,
        )
    log.info(
        "complaint assigned tracking_number=%s to=%s by=%s",
        complaint.tracking_number,
        assignee.username if assignee else None,
        agent.actor,
    )
    return full_detail(session, complaint, policies, now=now)


@statuses_router.get("/api/statuses")
def complaint_statuses(_agent: CurrentAgent) -> StatusTransitions:
    """Every status, and the ones each may change to (what the console offers)."""
    return StatusTransitions(
        statuses=list(ComplaintStatus),
        transitions={
            status: [later for later in ComplaintStatus if later in STATUS_TRANSITIONS[status]]
            for status in ComplaintStatus
        },
    )
