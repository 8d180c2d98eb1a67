"""Agents log in with their own accounts and get a bearer token that expires."""

import datetime as dt
import logging
from http import HTTPStatus

from fastapi import APIRouter, HTTPException, Response

from backend.app.accounts import service
from backend.app.accounts.deps import CurrentAgent, CurrentCaller
from backend.app.accounts.models import AgentPublic, LoginAnswer, LoginRequest, Me, MeUpdate
from backend.app.core.deps import SessionDep, SettingsDep
from backend.app.core.lockout import Locked, Lockout
from backend.app.core.models import utcnow
from backend.app.core.security import Role

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post(
    "/login",
    responses={
        HTTPStatus.UNAUTHORIZED: {"description": "wrong username or password, or the account is deactivated"},
        HTTPStatus.TOO_MANY_REQUESTS: {"description": "too many wrong passwords; see Retry-After"},
    },
)
def login(credentials: LoginRequest, session: SessionDep, settings: SettingsDep) -> LoginAnswer:
    """A bearer token for the agent's own account, valid for AUTH_TOKEN_TTL_HOURS. An unknown
    username and a wrong password get the same 401."""
    now = utcnow()
    rules = Lockout(
        max_attempts=settings.login_max_attempts,
        first=dt.timedelta(minutes=settings.login_lockout_minutes),
        longest=dt.timedelta(minutes=settings.login_lockout_max_minutes),
    )
    try:
        agent = service.authenticate(
            session=session, username=credentials.username, password=credentials.password, now=now, rules=rules
        )
    except Locked as locked:
        raise HTTPException(
            status_code=HTTPStatus.TOO_MANY_REQUESTS,
            detail="too many wrong passwords; try again later",
            headers={"Retry-After": locked.retry_after},
        ) from None
    if agent is None:
        raise HTTPException(
            status_code=HTTPStatus.UNAUTHORIZED,
            detail="wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    token, auth_token = service.issue_token(
        session=session, agent=agent, ttl=dt.timedelta(hours=settings.auth_token_ttl_hours), now=now
    )
    log.info("agent logged in username=%s", agent.username)
    return LoginAnswer(access_token=token, expires_at=auth_token.expires_at, agent=AgentPublic.model_validate(agent))


@router.get("/me")
def me(caller: CurrentCaller) -> Me:
    """Who the bearer token belongs to."""
    if caller.account is not None:
        assert caller.token is not None
        return Me(
            username=caller.account.username,
            display_name=caller.account.display_name,
            role=caller.account.role,
            builtin=False,
            expires_at=caller.token.expires_at,
            language=caller.account.language,
            email=caller.account.email,
        )
    if caller.role is Role.service:
        return Me(
            username="service",
            display_name="Action server (SERVICE_TOKEN)",
            role="service",
            builtin=True,
            expires_at=None,
        )
    return Me(
        username="agent", display_name="Built-in agent (AGENT_TOKEN)", role="agent", builtin=True, expires_at=None
    )


@router.patch(
    "/me",
    responses={HTTPStatus.BAD_REQUEST: {"description": "a built-in token has no account to keep it on"}},
)
def update_me(change: MeUpdate, caller: CurrentAgent, session: SessionDep) -> Me:
    """Stores the console's language on the agent's account (ru, az, ro, tr or en), and the
    agent's own e-mail address for their alerts ("" removes it)."""
    if caller.account is None:
        raise HTTPException(
            status_code=HTTPStatus.BAD_REQUEST,
            detail="the built-in AGENT_TOKEN has no account to keep a language on; log in with your own",
        )
    if change.language is not None:
        service.set_language(session=session, agent=caller.account, language=change.language, now=utcnow())
        log.info("console language set username=%s language=%s", caller.account.username, change.language)
    if change.email is not None:
        service.set_email(session=session, agent=caller.account, email=change.email, now=utcnow())
        log.info("alert e-mail %s username=%s", "set" if change.email else "removed", caller.account.username)
    return me(caller)


@router.post(
    "/logout",
    status_code=HTTPStatus.NO_CONTENT,
    responses={HTTPStatus.BAD_REQUEST: {"description": "a built-in token cannot be logged out"}},
)
def logout(caller: CurrentCaller, session: SessionDep) -> Response:
    """Ends this token's session."""
    if caller.token is None:
        raise HTTPException(
            status_code=HTTPStatus.BAD_REQUEST,
            detail="built-in tokens cannot be logged out; change AGENT_TOKEN or SERVICE_TOKEN instead",
        )
    service.revoke_token(session=session, auth_token=caller.token)
    return Response(status_code=HTTPStatus.NO_CONTENT)
