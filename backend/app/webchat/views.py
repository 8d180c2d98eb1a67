"""The website chat: the page at /chat, the embed script and the widget bundle.

The widget is rasa-webchat (npm, Apache-2.0) from web/node_modules (`make web`
installs it); it talks socket.io to the rasa server, whose public URL is
WEBCHAT_SERVER_URL (default: this host on RASA_PORT). Any site embeds the chat
with /chat/embed.js and a config object (see web/embed.js).
"""

import json
import os
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from backend.app.core.settings import REPO_ROOT

WEB_DIR = REPO_ROOT / "web"
WIDGET = WEB_DIR / "node_modules" / "rasa-webchat" / "lib" / "index.js"
LANGUAGES = ("ru", "az", "ro", "tr")

router = APIRouter(prefix="/chat", tags=["chat"])


def page_language(request: Request, lang: str | None) -> str:
    """?lang=, else the browser's Accept-Language, else Russian."""
    if lang and lang.lower()[:2] in LANGUAGES:
        return lang.lower()[:2]
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "ru"


def server_url(request: Request) -> str:
    configured = os.environ.get("WEBCHAT_SERVER_URL", "").strip()
    if configured:
        return configured.rstrip("/")
    return f"{request.url.scheme}://{request.url.hostname}:{os.environ.get('RASA_PORT', '5005')}"


@router.get("", response_class=HTMLResponse, summary="the web chat page")
def chat_page(request: Request, lang: Annotated[str | None, Query(max_length=10)] = None) -> HTMLResponse:
    language = page_language(request, lang)
    config = {"serverUrl": server_url(request), "language": language, "embedded": True, "container": "#chat"}
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
