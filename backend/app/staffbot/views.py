"""The staff bot's routes: an agent links their Telegram chat with a one-time code from the
console, sees whether it is linked, unlinks it; Telegram's webhook, checked by its secret token."""

import hmac
import logging
from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, Body, Header, HTTPException, Request, Response

from backend.app.accounts.deps import Caller, CurrentAgent
from backend.app.core.deps import SessionDep, SettingsDep
from backend.app.core.models import utcnow
from backend.app.staffbot import service
from backend.app.staffbot.models import LinkCode, LinkStatus
from backend.app.staffbot.runtime import WEBHOOK_PATH, StaffBot

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/staff-telegram", tags=["staff bot"])


def _agent_id(agent: Caller) -> int:
    if agent.account is None or agent.account.id is None:
        raise HTTPException(
            status_code=HTTPStatus.UNPROCESSABLE_ENTITY,
            detail="the built-in AGENT_TOKEN has no account to link; log in as an agent",
        )
    return agent.account.id


def _bot(request: Request) -> StaffBot | None:
    return getattr(request.app.state, "staff_bot", None)


@router.get("/link")
def link_status(request: Request, session: SessionDep, agent: CurrentAgent) -> LinkStatus:
    """Whether the staff bot is on and this agent's Telegram chat linked."""
    bot = _bot(request)
    link = None if agent.account is None else service.link_of(session=session, agent_id=_agent_id(agent))
    return LinkStatus(
        enabled=bot is not None,
        linked=link is not None,
        username=None if link is None else link.username,
        linked_at=None if link is None else link.linked_at,
        bot_username=None if bot is None else bot.username,
    )


@router.post(
    "/link-code",
    status_code=HTTPStatus.CREATED,
    responses={HTTPStatus.CONFLICT: {"description": "the staff bot is off (STAFF_TELEGRAM_BOT_TOKEN unset)"}},
)
def link_code(request: Request, session: SessionDep, agent: CurrentAgent) -> LinkCode:
    """A new one-time code (valid minutes) for `/start CODE` to the bot; earlier codes stop working."""
    bot = _bot(request)
    if bot is None:
        raise HTTPException(status_code=HTTPStatus.CONFLICT, detail="the staff Telegram bot is not configured")
    now = utcnow()
    code = service.issue_link_code(session=session, agent_id=_agent_id(agent), now=now)
    log.info("staff telegram link code issued agent=%s", agent.actor)
    return LinkCode(
        code=code,
        expires_at=now + service.CODE_TTL,
        command=f"/start {code}",
        deep_link=f"https://t.me/{bot.username}?start={code}" if bot.username else None,
        bot_username=bot.username,
    )


@router.delete("/link", status_code=HTTPStatus.NO_CONTENT)
def unlink(session: SessionDep, agent: CurrentAgent) -> Response:
    """Alerts stop going to Telegram (the console and e-mail remain)."""
    service.unlink(session=session, agent_id=_agent_id(agent))
    log.info("staff telegram unlinked agent=%s", agent.actor)
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.post(WEBHOOK_PATH.removeprefix("/api/staff-telegram"), include_in_schema=False)
async def webhook(
    request: Request,
    settings: SettingsDep,
    update: dict[str, Any] = Body(...),  # noqa: B008 - FastAPI's way
    secret: str | None = Header(default=None, alias="X-Telegram-Bot-Api-Secret-Token"),
) -> dict[str, bool]:
    """Telegram's updates in webhook mode; 403 without the right secret token."""
    bot = _bot(request)
    expected = settings.staff_telegram_webhook_secret
    if bot is None or expected is None:
        raise HTTPException(status_code=HTTPStatus.NOT_FOUND, detail="the staff bot takes no webhook here")
    if secret is None or not hmac.compare_digest(secret.encode(), expected.get_secret_value().encode()):
        raise HTTPException(status_code=HTTPStatus.FORBIDDEN, detail="wrong or missing secret token")
    await bot.feed(update)
    return {"ok": True}
