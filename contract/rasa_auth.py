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
