"""The console's alerts: the agent's own inbox (unread, not snoozed), mark read, snooze, and
the alerts nobody could receive."""

import datetime as dt
from http import HTTPStatus

from fastapi import APIRouter, HTTPException

from backend.app.accounts.deps import Caller, CurrentAgent
from backend.app.alerts import service
from backend.app.alerts.models import AlertPublic, FailedAlertPublic, SnoozeRequest
from backend.app.core.deps import SessionDep
from backend.app.core.errors import refusals
from backend.app.core.models import utcnow
from backend.app.notifications.service import NotificationsDep

router = APIRouter(prefix="/api/alerts", tags=["alerts"])
_NOT_FOUND = {HTTPStatus.NOT_FOUND: {"description": "no such alert in your inbox"}}
_NO_ACCOUNT = {HTTPStatus.BAD_REQUEST: {"description": "the built-in AGENT_TOKEN has no inbox"}}


def _agent_id(caller: Caller) -> int:
    if caller.account is None or caller.account.id is None:
        raise HTTPException(
            status_code=HTTPStatus.BAD_REQUEST,
            detail="alerts go to agents' own accounts; the built-in AGENT_TOKEN has no inbox",
        )
    return caller.account.id


@router.get("", responses=_NO_ACCOUNT)
def my_alerts(session: SessionDep, caller: CurrentAgent, include_read: bool = False) -> list[AlertPublic]:
    """Mine, newest first: unread and not snoozed (`include_read=true`: every one)."""
    return service.inbox(session=session, agent_id=_agent_id(caller), now=utcnow(), include_read=include_read)


@router.get("/failed")
def failed_alerts(session: SessionDep, _caller: CurrentAgent) -> list[FailedAlertPublic]:
    """Alerts nobody could receive (no assignee, nobody in the team, no supervisor)."""
    return service.failed(session=session)


@router.post(
    "/failed/{alert_id}/retry",
    responses={
        HTTPStatus.NOT_FOUND: {"description": "unknown alert"},
        HTTPStatus.CONFLICT: {"description": "not failed"},
    },
)
def retry_failed(
    alert_id: int, session: SessionDep, _caller: CurrentAgent, notifications: NotificationsDep
) -> dict[str, str]:
    """Another try of an alert nobody received (after someone joined the team, or got an
    assignee): it is planned again from now."""
    with refusals({service.UnknownAlert: HTTPStatus.NOT_FOUND, service.NotFailed: HTTPStatus.CONFLICT}):
        alert = service.retry_failed(session=session, alert_id=alert_id, now=utcnow())
    notifications.wake_at([alert.attempt_at])
    return {"state": alert.state}


@router.post("/{recipient_id}/read", responses={**_NOT_FOUND, **_NO_ACCOUNT})
def mark_read(recipient_id: int, session: SessionDep, caller: CurrentAgent) -> AlertPublic:
    agent_id = _agent_id(caller)
    with refusals({service.UnknownAlert: HTTPStatus.NOT_FOUND}):
        service.mark_read(session=session, recipient_id=recipient_id, agent_id=agent_id, now=utcnow())
    return _one(session, agent_id, recipient_id)


@router.post("/{recipient_id}/snooze", responses={**_NOT_FOUND, **_NO_ACCOUNT})
def snooze(recipient_id: int, body: SnoozeRequest, session: SessionDep, caller: CurrentAgent) -> AlertPublic:
    """Hidden for `minutes`, then unread again."""
    agent_id = _agent_id(caller)
    with refusals({service.UnknownAlert: HTTPStatus.NOT_FOUND}):
        row = service.get_mine(session=session, recipient_id=recipient_id, agent_id=agent_id)
        service.snooze(
            session=session,
            alert_id=row.alert_id,
            agent_id=agent_id,
            until=utcnow() + dt.timedelta(minutes=body.minutes),
        )
    return _one(session, agent_id, recipient_id)


def _one(session: SessionDep, agent_id: int, recipient_id: int) -> AlertPublic:
    found = [
        alert
        for alert in service.inbox(session=session, agent_id=agent_id, now=utcnow(), include_read=True)
        if alert.id == recipient_id
    ]
    if not found:
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="no such alert in your inbox")
    return found[0]
