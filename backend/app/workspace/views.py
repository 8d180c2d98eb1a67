"""The agent console: the page at /agent (web/agent/index.html rendered with Jinja2 in the
agent's language, plain JavaScript modules beside it) and its real-time feed at /api/console/ws.

The websocket's first message authenticates: `{"type": "auth", "token": "<bearer token>"}`
(a token in the URL would end up in access logs). Then the server sends `hello`, the queue
(`{"type": "queue", "handoffs": [...]}`, again whenever it changes), the new messages of
handed-over conversations (`{"type": "messages", "messages": [...]}`) and the agent's own new
alerts (`{"type": "alerts", "alerts": [...]}`, backend/app/alerts); the client may send
`{"type": "ping"}` (answered `pong`). Close codes: 4401 not authenticated (or the session
ended), 4408 too slow to read (reconnect and reload).
"""

import asyncio
import contextlib
import json
import logging
import re
from functools import cache
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Cookie, Header, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from markupsafe import Markup
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from backend.app.accounts import deps as accounts
from backend.app.accounts.deps import Caller
from backend.app.core.security import Role
from backend.app.core.settings import REPO_ROOT
from backend.app.handoff.hub import console_hub
from backend.app.handoff.service import Actor
from backend.app.workspace import i18n

log = logging.getLogger(__name__)

AGENT_DIR = REPO_ROOT / "web" / "agent"
# The page's own files: its modules and its style sheet, by name only (no path can escape).
_ASSET_NAME = re.compile(r"^[a-z0-9_]+\.(js|css)$")
_MEDIA_TYPES = {"js": "text/javascript", "css": "text/css"}
# The views of the workspace, in the order of its menu (the lists' `view` and the counts).
VIEWS = ("waiting", "all", "mine", "unassigned", "overdue", "due_today", "rejected", "failed_notifications")
# The page runs only its own scripts and talks only to this host: even if customer text were
# ever inserted as HTML, no inline script or handler would run.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}
_AUTH_TIMEOUT = 10.0
_RECHECK_SECONDS = 60.0

router = APIRouter(tags=["console"])


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(AGENT_DIR), autoescape=True, undefined=jinja2.StrictUndefined
    )


def _data_block(data: dict[str, Any]) -> str:
    """JSON safe inside <script type="application/json">: no "</script>" can end it early."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@router.get("/agent", response_class=HTMLResponse, summary="the agent console")
def console_page(
    lang: Annotated[str | None, Query(max_length=8)] = None,
    agent_lang: Annotated[str | None, Cookie(max_length=8)] = None,
    accept_language: Annotated[str | None, Header(max_length=500)] = None,
) -> HTMLResponse:
    """In `?lang=`, else the `agent_lang` cookie (the agent's stored choice), else the
    browser's Accept-Language, else English."""
    chosen = i18n.choose_language(lang, agent_lang, accept_language)
    labels = i18n.labels(chosen)
    html = (
        _templates()
        .get_template("index.html")
        .render(
            lang=chosen,
            t=labels,
            labels_json=Markup(_data_block(labels)),
            dates_json=Markup(_data_block(i18n.date_names(chosen))),
            languages=sorted(i18n.LANGUAGES.items()),
            views=VIEWS,
        )
    )
    headers = {**_HEADERS, "Vary": "Accept-Language, Cookie", "Content-Language": chosen}
    return HTMLResponse(html, headers=headers)


@router.get("/agent/", include_in_schema=False)
def console_slash() -> RedirectResponse:
    return RedirectResponse("/agent")


@router.get("/agent/i18n/{lang}.json", summary="the console's labels in one language")
def console_labels(lang: str) -> JSONResponse:
    if lang not in i18n.LANGUAGES:
        return JSONResponse({"detail": "unknown language"}, status_code=404)
    return JSONResponse(i18n.labels(lang), headers={"Cache-Control": "no-cache"})


@router.get("/agent/{asset}", include_in_schema=False, response_model=None)
def console_asset(asset: str) -> FileResponse | HTMLResponse:
    match = _ASSET_NAME.match(asset)
    if match is None or asset == "index.html" or not (AGENT_DIR / asset).is_file():
        return HTMLResponse("not found", status_code=404)
    return FileResponse(AGENT_DIR / asset, media_type=_MEDIA_TYPES[match.group(1)], headers=_HEADERS)


def console_caller(state: Any, token: str) -> Caller | None:
    """The same rules as the routes' bearer tokens, for the websocket (agents only)."""
    with Session(state.engine, expire_on_commit=False) as session:
        caller = accounts.caller_for_token(token, state.settings, session)
    return caller if caller is not None and caller.role is Role.agent else None


@router.websocket("/api/console/ws")
async def console_feed(websocket: WebSocket) -> None:
    await websocket.accept()
    state = websocket.app.state
    try:
        first = await asyncio.wait_for(websocket.receive_json(), timeout=_AUTH_TIMEOUT)
    except (TimeoutError, WebSocketDisconnect, ValueError, KeyError):
        with contextlib.suppress(Exception):
            await websocket.close(code=4401)
        return
    token = first.get("token") if isinstance(first, dict) and first.get("type") == "auth" else None
    caller = await run_in_threadpool(console_caller, state, token if isinstance(token, str) else "")
    if caller is None:
        await websocket.close(code=4401, reason="not authenticated")
        return
    actor = Actor.of(caller)
    own_id = caller.account.id if caller.account is not None else None
    await websocket.send_json(
        {"type": "hello", "agent": {"username": actor.username, "display_name": actor.display_name}}
    )
    hub = console_hub(state)
    queue = await hub.subscribe()
    reader = asyncio.create_task(_read(websocket, queue))
    try:
        loop = asyncio.get_running_loop()
        recheck_at = loop.time() + _RECHECK_SECONDS
        while not reader.done():
            getter = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({getter, reader}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                payload = _for_agent(getter.result(), own_id)
                if payload is not None:
                    await websocket.send_json(payload)
            else:
                getter.cancel()
            if not hub.is_subscribed(queue):
                await websocket.close(code=4408, reason="too slow; reconnect")
                return
            if loop.time() >= recheck_at:
                recheck_at = loop.time() + _RECHECK_SECONDS
                if await run_in_threadpool(console_caller, state, token) is None:
                    await websocket.close(code=4401, reason="session ended")
                    return
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.unsubscribe(queue)
        reader.cancel()


def _for_agent(payload: dict[str, Any], agent_id: int | None) -> dict[str, Any] | None:
    """Alerts go only to their own recipient (the built-in AGENT_TOKEN has no inbox)."""
    if payload.get("type") != "alerts":
        return payload
    mine = [
        {key: value for key, value in alert.items() if key != "agent_id"}
        for alert in payload.get("alerts", [])
        if agent_id is not None and alert.get("agent_id") == agent_id
    ]
    return {"type": "alerts", "alerts": mine} if mine else None


async def _read(websocket: WebSocket, queue: "asyncio.Queue[dict[str, Any]]") -> None:
    """Answers pings (through the send queue: one writer only); returns when the client goes away."""
    try:
        while True:
            message = await websocket.receive_json()
            if isinstance(message, dict) and message.get("type") == "ping":
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait({"type": "pong"})
    except (WebSocketDisconnect, ValueError, KeyError, RuntimeError):
        return
