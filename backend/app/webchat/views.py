"""The website chat: the page at /chat, the embed script and the widget bundle.

The widget is rasa-webchat (npm, Apache-2.0) from web/node_modules (`make web`
installs it); it talks socket.io to the rasa server, whose public URL is
WEBCHAT_SERVER_URL (default: this host on RASA_PORT). Any site embeds the chat
with /chat/embed.js and a config object (see web/embed.js).

The page opens in `?lang=`, else the browser's language (Accept-Language, in its order of
preference), else the policy's default; the widget then greets first (`/start_chat`, answered by
the action server's action_greet_chat, which asks `GET /api/chat/welcome` what to promise).
"""

import datetime as dt
import json
import os
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from backend.app.accounts.deps import CurrentCaller
from backend.app.core.deps import SettingsDep
from backend.app.core.models import utcnow
from backend.app.core.settings import REPO_ROOT, PolicyId
from backend.app.policies.deps import PoliciesDep
from backend.app.webchat import service
from backend.app.webchat.models import ChatWelcome

WEB_DIR = REPO_ROOT / "web"
WIDGET = WEB_DIR / "node_modules" / "rasa-webchat" / "lib" / "index.js"
LANGUAGES = ("ru", "az", "ro", "tr")

router = APIRouter(prefix="/chat", tags=["chat"])
api_router = APIRouter(prefix="/api/chat", tags=["chat"])


def browser_languages(header: str) -> list[str]:
    """Accept-Language's languages of the four, most preferred first ("tr-TR,tr;q=0.9,ru;q=0.8")."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        code, _, params = part.partition(";")
        code = code.strip().lower().split("-")[0]
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if code in LANGUAGES and weight > 0:
            ranked.append((-weight, position, code))
    return [code for _, _, code in sorted(ranked)]


def page_language(request: Request, lang: str | None, default: str = "ru") -> str:
    """?lang=, else the browser's Accept-Language, else the policy's default."""
    if lang and lang.lower()[:2] in LANGUAGES:
        return lang.lower()[:2]
    preferred = browser_languages(request.headers.get("accept-language", ""))
    return preferred[0] if preferred else default


def policy_default(request: Request) -> str:
    settings = request.app.state.settings
    policy = request.app.state.policies.get(settings.complaint_policy)
    return service.default_language(policy)


def server_url(request: Request) -> str:
    configured = os.environ.get("WEBCHAT_SERVER_URL", "").strip()
    if configured:
        return configured.rstrip("/")
    return f"{request.url.scheme}://{request.url.hostname}:{os.environ.get('RASA_PORT', '5005')}"


@router.get("", response_class=HTMLResponse, summary="the web chat page")
def chat_page(request: Request, lang: Annotated[str | None, Query(max_length=10)] = None) -> HTMLResponse:
    default = policy_default(request)
    language = page_language(request, lang, default)
    config = {
        "serverUrl": server_url(request),
        # Only a language the link names is fixed; otherwise the widget takes the customer's own
        # choice (a language button pressed before), then the browser's, then this page's.
        "language": language if lang and lang.lower()[:2] in LANGUAGES else None,
        "pageLanguage": language,
        "defaultLanguage": default,
        "embedded": True,
        "container": "#chat",
        "ownPage": True,
    }
    # JSON inside <script>: "</" must not close the tag.
    config_js = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    html = (
        (WEB_DIR / "chat.html")
        .read_text(encoding="utf-8")
        .replace("{{LANG}}", language)
        .replace("{{CONFIG}}", config_js)
        .replace("{{BASE}}", "")
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


@router.get("/embed.js", summary="the embed script (one script tag on any site)")
def embed_script() -> FileResponse:
    return FileResponse(WEB_DIR / "embed.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.get("/widget.js", summary="the rasa-webchat bundle", response_model=None)
def widget_bundle() -> Response:
    if not WIDGET.is_file():
        return PlainTextResponse("the chat widget is not installed: run `make web` (npm ci in web/)", status_code=503)
    return FileResponse(WIDGET, media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"})


@api_router.get("/welcome", summary="what the web chat's first message promises")
def chat_welcome(
    policies: PoliciesDep,
    settings: SettingsDep,
    _caller: CurrentCaller,
    policy: PolicyId | None = None,
    at: Annotated[dt.datetime | None, Query(description="ISO 8601; default now")] = None,
) -> ChatWelcome:
    """For a conversation opening at `at`: the deadlines of a complaint registered then, whether
    agents answer now, the next shift, and the shifts per weekday (the action server's greeting)."""
    profile = policies.get(policy or settings.complaint_policy)
    if profile is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="unknown policy")
    moment = at or utcnow()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=profile.tz)
    return service.welcome(profile, moment)
