"""How our processes authenticate to Rasa's HTTP API: a JWT in the Authorization header.

Rasa 3.6 takes `--auth-token` only as a `?token=` query parameter, which lands in access logs
and proxies; with `--jwt-secret` it also accepts `Authorization: Bearer <JWT>` (sanic-jwt).
scripts/run-rasa.sh passes RASA_TOKEN as both, so outside callers keep the documented
`?token=` (DESIGN.md) while the backend and the action server send the token only in a header,
as a short-lived HS256 JWT signed with it. Standard library only (both environments).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

JWT_METHOD = "HS256"
LIFETIME_SECONDS = 300


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt(secret: str, username: str, *, now: float | None = None) -> str:
    """An admin JWT as Rasa's requires_auth expects it: {"user": {"username", "role": "admin"}}."""
    issued = int(now if now is not None else time.time())
    header = {"alg": JWT_METHOD, "typ": "JWT"}
    payload = {"user": {"username": username, "role": "admin"}, "iat": issued, "exp": issued + LIFETIME_SECONDS}

    def part(value: dict) -> str:
        return _b64(json.dumps(value, separators=(",", ":")).encode())

    signing_input = f"{part(header)}.{part(payload)}"
    signature = hmac.new(secret.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def headers(secret: str | None, username: str) -> dict[str, str]:
    """The header that authenticates `username` (a process name) to Rasa; none without a secret."""
    return {"Authorization": f"Bearer {jwt(secret, username)}"} if secret else {}


def verify(secret: str, token: str, *, now: float | None = None) -> bool:
    """True for an unexpired HS256 JWT signed with `secret` (what `jwt` makes): how the rasa
    server's own routes outside Rasa's API (the web chat's presence) check the backend."""
    try:
        header, payload, signature = token.split(".")
        expected = hmac.new(secret.encode(), f"{header}.{payload}".encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(_b64(expected), signature):
            return False
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        algorithm = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))).get("alg")
        expires = float(claims.get("exp", 0))
    except (ValueError, TypeError, UnicodeError, AttributeError):
        return False
    moment = now if now is not None else time.time()
    return algorithm == JWT_METHOD and expires > moment


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None
