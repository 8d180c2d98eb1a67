"""The tracking page's two cookies, both HttpOnly and SameSite=Strict, limited to /track:

- `track_session`: after a right PIN, "<complaint id>.<expiry>.<signature>" for
  TRACK_SESSION_MINUTES, so that approving, rejecting and rating need not send the PIN again.
  The signature (HMAC-SHA256 with a key derived from SECRET_KEY) covers the complaint's PIN
  hash too: a new PIN ends every session of the old one.
- `track_csrf`: a random value; every form carries its HMAC (`csrf`), checked on every POST
  (double submit, signed). With SameSite=Strict a cross-site form already arrives without the
  cookies; the token covers browsers that ignore SameSite.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from fastapi import Request, Response

from backend.app.core.settings import Settings

SESSION_COOKIE = "track_session"
CSRF_COOKIE = "track_csrf"
PATH = "/track"


def _key(settings: Settings, purpose: str) -> bytes:
    return hmac.new(settings.secret_key.get_secret_value().encode(), f"track:{purpose}".encode(), "sha256").digest()


def _sign(settings: Settings, purpose: str, message: str) -> str:
    return hmac.new(_key(settings, purpose), message.encode(), hashlib.sha256).hexdigest()


def _set(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def start(request: Request, response: Response, settings: Settings, complaint_id: int, pin_hash: str) -> None:
    expires = int(time.time()) + settings.track_session_minutes * 60
    message = f"{complaint_id}.{expires}"
    value = f"{message}.{_sign(settings, 'session', f'{message}.{pin_hash}')}"
    _set(request, response, SESSION_COOKIE, value, settings.track_session_minutes * 60)


def end(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=PATH, httponly=True, samesite="strict")


def complaint_id(request: Request) -> int | None:
    """The complaint of a session cookie that is well-formed and not expired; its signature is
    checked by `valid` once the complaint's PIN hash is read."""
    parts = request.cookies.get(SESSION_COOKIE, "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    if int(parts[1]) < time.time():
        return None
    return int(parts[0])


def valid(request: Request, settings: Settings, pin_hash: str | None) -> bool:
    parts = request.cookies.get(SESSION_COOKIE, "").split(".")
    if len(parts) != 3 or pin_hash is None:
        return False
    expected = _sign(settings, "session", f"{parts[0]}.{parts[1]}.{pin_hash}")
    return hmac.compare_digest(expected, parts[2])


def csrf_nonce(request: Request) -> tuple[str, bool]:
    """This browser's CSRF cookie value, and whether it is new (to be set with the answer)."""
    nonce = request.cookies.get(CSRF_COOKIE, "")
    if 16 <= len(nonce) <= 64:
        return nonce, False
    return secrets.token_urlsafe(24), True


def set_csrf(request: Request, response: Response, nonce: str) -> None:
    _set(request, response, CSRF_COOKIE, nonce, 24 * 3600)


def csrf_token(settings: Settings, nonce: str) -> str:
    """The token the page's forms carry for this nonce."""
    return _sign(settings, "csrf", nonce)


def csrf_ok(request: Request, settings: Settings, token: str | None) -> bool:
    nonce = request.cookies.get(CSRF_COOKIE, "")
    if not nonce or not token:
        return False
    return hmac.compare_digest(_sign(settings, "csrf", nonce), token)
