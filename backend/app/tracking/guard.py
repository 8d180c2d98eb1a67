"""The public look-up, guarded twice: the client's budget of failed look-ups (rate_limit.py),
then the complaint's PIN with its own lock-out (complaints/pin_check.py). The JSON look-up and
the tracking page's form both go through `look_up`, so a client cannot spend one budget on the
API and another on the page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from backend.app.complaints import pin_check
from backend.app.complaints.models import Complaint
from backend.app.core.lockout import Locked
from backend.app.core.security import Role, role_for_token
from backend.app.core.settings import Settings
from backend.app.tracking.rate_limit import Budget, ClientLimit


class OverLimit(Exception):
    """The client spent its failed look-ups; nothing was checked."""

    def __init__(self, budget: Budget) -> None:
        super().__init__("too many failed look-ups from this client; try again later")
        self.budget = budget


class Refused(Exception):
    """A wrong PIN or unknown number (`locked` None) or a locked complaint, counted against the
    client (`budget`, None for a client without a limit)."""

    def __init__(self, locked: Locked | None, budget: Budget | None) -> None:
        super().__init__(str(locked) if locked else str(pin_check.NoMatch()))
        self.locked = locked
        self.budget = budget


def client_limit(request: Request) -> ClientLimit:
    limit: ClientLimit = request.app.state.lookup_limit
    return limit


LookupLimitDep = Annotated[ClientLimit, Depends(client_limit)]


def client_key(request: Request, settings: Settings) -> str | None:
    """Whom a look-up is counted against: the peer address (uvicorn resolves the trusted
    proxies' X-Forwarded-For). None for the action server (the service token): it relays every
    chat customer's look-ups from one address, and each complaint's lock-out still holds."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token and role_for_token(token.strip(), settings) is Role.service:
        return None
    return f"ip:{request.client.host if request.client else 'unknown'}"


def look_up(
    *,
    session: Session,
    settings: Settings,
    limit: ClientLimit,
    client: str | None,
    tracking_number: str | None,
    pin: str | None,
    now: dt.datetime,
) -> tuple[Complaint, Budget | None]:
    """The complaint and the client's budget; OverLimit or Refused. `tracking_number` and `pin`
    None: malformed, a failure like any wrong guess (the form takes free text)."""
    if client is not None:
        budget = limit.budget(client)
        if budget.exhausted:
            raise OverLimit(budget)
    try:
        if tracking_number is None or pin is None:
            raise pin_check.NoMatch()
        complaint = pin_check.check_pin(
            session=session,
            tracking_number=tracking_number,
            pin=pin,
            rules=pin_check.pin_lockout(settings),
            now=now,
        )
    except pin_check.NoMatch:
        raise Refused(None, None if client is None else limit.failed(client)) from None
    except Locked as locked:
        raise Refused(locked, None if client is None else limit.failed(client)) from None
    return complaint, None if client is None else limit.budget(client)
