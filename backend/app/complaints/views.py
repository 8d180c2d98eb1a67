import hashlib
import logging
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, Query, Response
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator

from backend.app.accounts import service as account_service
from backend.app.accounts.models import Agent, AgentRole
from backend.app.complaints import service as complaint_service
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
)
from backend.app.complaints.presenters import complaint_detail, complaint_public, registration_receipt
from backend.app.core.deps import CurrentAgent, CurrentCaller, PoliciesDep, SessionDep, SettingsDep
from backend.app.core.metrics import MetricsDep
from backend.app.core.models import utcnow
from backend.app.core.security import Role, derive_pin, parse_tracking_number, verify_pin
from backend.app.core.settings import PolicyId
from backend.app.notifications.models import Notification
from backend.app.notifications.service import NotificationsDep
from backend.app.policies.profile import IntakeError, prepare_intake
from contract.statuses import Channel, ComplaintStatus, Language

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/complaints", tags=["complaints"])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]
TrackingNumber = Annotated[
    str,
    Path(max_length=20, description="XXXX-XXXX; case, spaces and the dash do not matter"),
    AfterValidator(parse_tracking_number),
]


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
    fingerprint = hashlib.sha256(complaint_in.model_dump_json().encode()).hexdigest()
    if idempotency_key is not None:
        existing = complaint_service.get_complaint_by_idempotency_key(session=session, idempotency_key=idempotency_key)
        if existing is not None:
            return _replay(existing, idempotency_key, fingerprint, settings, policies, response)

    policy = policies[complaint_in.policy or settings.complaint_policy]
    now = utcnow()
    try:
        values, received_at = prepare_intake(policy, complaint_in, now=now)
    except IntakeError as exc:
        raise RequestValidationError(exc.errors) from None
    planned: list[Notification] = []
    in_chat = caller.role is Role.service

    def plan(new: Complaint) -> None:
        planned.extend(notifications.planner.on_registered(session, new, policy, in_chat=in_chat, now=now))

    try:
        complaint, pin = complaint_service.create_complaint(
            session=session,
            values=values,
            policy=policy,
            received_at=received_at,
            actor=caller.actor,
            secret_key=settings.secret_key.get_secret_value(),
            idempotency_key=idempotency_key,
            request_fingerprint=fingerprint,
            now=now,
            on_created=plan,
        )
    except complaint_service.IdempotencyKeyTaken as taken:  # a concurrent request with the same key won
        assert idempotency_key is not None
        return _replay(taken.complaint, idempotency_key, fingerprint, settings, policies, response)
    log.info(
        "complaint registered tracking_number=%s policy=%s channel=%s language=%s by=%s",
        complaint.tracking_number,
        complaint.policy,
        complaint.channel,
        complaint.language,
        caller.actor,
    )
    metrics.complaint_registered(complaint.policy, complaint.channel)
    notifications.wake(planned)
    return registration_receipt(complaint, policy, pin=pin)


def _replay(
    complaint: Complaint,
    idempotency_key: str,
    fingerprint: str,
    settings: SettingsDep,
    policies: PoliciesDep,
    response: Response,
) -> ComplaintRegistered:
    if complaint.request_fingerprint != fingerprint:
        raise HTTPException(
            status_code=HTTPStatus.UNPROCESSABLE_ENTITY,
            detail="this Idempotency-Key was already used for a different complaint",
        )
    response.status_code = HTTPStatus.OK
    # The PIN is not stored; it comes back only if re-deriving it gives the stored hash
    # (it does not after a change of SECRET_KEY).
    pin = derive_pin(settings.secret_key.get_secret_value(), idempotency_key, complaint.tracking_number)
    pin_again = pin if verify_pin(complaint.pin_hash, pin) else None
    log.info("idempotent replay tracking_number=%s pin_returned=%s", complaint.tracking_number, pin_again is not None)
    return registration_receipt(complaint, policies[complaint.policy], pin=pin_again)


@router.get("")
def list_complaints(
    session: SessionDep,
    agent: CurrentAgent,
    policies: PoliciesDep,
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
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ComplaintPublic]:
    """Newest first."""
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
            error = {"type": "value_error", "loc": ("query", "assigned_to"), "msg": problem, "input": assigned_to}
            raise RequestValidationError([error])
    complaints = complaint_service.list_complaints(
        session=session,
        now=now,
        status=status,
        overdue=overdue,
        q=q.strip() if q else None,
        policy=policy,
        language=language,
        channel=channel,
        assigned_to=assignee,
        unassigned=assigned_to == "none",
        notification_failed=notification_failed,
        limit=limit,
        offset=offset,
    )
    return [complaint_public(complaint, policies[complaint.policy], now=now) for complaint in complaints]


@router.get("/{tracking_number}", responses={HTTPStatus.NOT_FOUND: {"description": "unknown tracking number"}})
def read_complaint(
    tracking_number: TrackingNumber, session: SessionDep, _agent: CurrentAgent, policies: PoliciesDep
) -> ComplaintDetail:
    complaint = _get_or_404(session, tracking_number)
    return complaint_detail(complaint, policies[complaint.policy], now=utcnow())


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
    """Plans or cancels the customer's and the agents' notifications; `resolved` sends the
    note as the decision to the customer's conversation at once."""
    complaint = _get_or_404(session, tracking_number, for_update=True)
    policy = policies[complaint.policy]
    now = utcnow()
    planned: list[Notification] = []

    def plan(changed: Complaint, previous: ComplaintStatus) -> None:
        planned.extend(
            notifications.planner.on_status_changed(
                session, changed, policy, previous=previous, change=change_in, now=now
            )
        )

    try:
        complaint = complaint_service.change_status(
            session=session,
            complaint=complaint,
            change_in=change_in,
            policy=policy,
            actor=agent.actor,
            now=now,
            on_changed=plan,
        )
    except complaint_service.TransitionNotAllowed as exc:
        raise HTTPException(status_code=HTTPStatus.CONFLICT, detail=str(exc)) from None
    notifications.wake(planned)
    log.info("complaint status changed tracking_number=%s status=%s", complaint.tracking_number, complaint.status)
    return complaint_detail(complaint, policy, now=now)


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
    complaint = _get_or_404(session, tracking_number, for_update=True)
    entry = complaint_service.add_note(
        session=session, complaint=complaint, note=note_in.note, actor=agent.actor, now=utcnow()
    )
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
    complaint = _get_or_404(session, tracking_number, for_update=True)
    assignee = None
    if assignment.username is not None:
        assignee = account_service.get_agent_by_username(session=session, username=assignment.username)
        if assignee is None or not assignee.is_active:
            error = {
                "type": "value_error",
                "loc": ("body", "username"),
                "msg": "no active agent has this username",
                "input": assignment.username,
            }
            raise RequestValidationError([error])
    now = utcnow()
    try:
        complaint = complaint_service.assign(
            session=session,
            complaint=complaint,
            assignee=assignee,
            note=assignment.note,
            actor=agent.actor,
            actor_is_supervisor=agent.has_role(AgentRole.supervisor),
            now=now,
        )
    except complaint_service.AssignmentNotAllowed as exc:
        raise HTTPException(status_code=HTTPStatus.FORBIDDEN, detail=str(exc)) from None
    log.info(
        "complaint assigned tracking_number=%s to=%s by=%s",
        complaint.tracking_number,
        assignee.username if assignee else None,
        agent.actor,
    )
    return complaint_detail(complaint, policies[complaint.policy], now=now)


def _get_or_404(session: SessionDep, tracking_number: str, *, for_update: bool = False) -> Complaint:
    """`tracking_number` is already parsed (see TrackingNumber)."""
    complaint = complaint_service.get_complaint_by_tracking_number(
        session=session, tracking_number=tracking_number, for_update=for_update
    )
    if complaint is None:
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="unknown tracking number")
    return complaint
