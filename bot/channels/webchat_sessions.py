"""Web chat conversation ids that only the server issues.

A web chat conversation is `wc:<32 hex>` in Rasa (its sender_id) and in socket.io (its room).
The browser never chooses it: on `session_request` the server hands out a token,
`wc:<32 hex>.<HMAC-SHA256 of the id, base64url>`, which rasa-webchat keeps in the browser's
storage and sends back after a reload. A token is taken back only when its signature is ours;
anything else (an id alone, a guessed one, another id's signature) gets a new conversation.

The key is WEBCHAT_SESSION_SECRET. In development, when it is unset, a key generated once per
install is kept in var/webchat-session.key (mode 600), so reloads and restarts keep their
conversations; outside development the setting is required and must be a real secret
(contract.secrets.is_placeholder). Standard library and contract only: the tests of both
environments import it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from contract import conversation_ids
from contract.secrets import is_placeholder
from contract.settings import ROOT

PREFIX = conversation_ids.WEBCHAT
SECRET_NAME = "WEBCHAT_SESSION_SECRET"
KEY_FILE = ROOT / "var" / "webchat-session.key"

_TOKEN = re.compile(r"^(wc:[0-9a-f]{32})\.([A-Za-z0-9_-]{43})$")


class SessionSecretMissing(RuntimeError):
    """WEBCHAT_SESSION_SECRET is unset or a placeholder outside development."""


def _signature(key: bytes, sender_id: str) -> str:
    digest = hmac.new(key, sender_id.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _install_key(path: Path) -> bytes:
    """This install's key: read, or generated once. Written to a private temporary file and
    linked into place, so two servers starting together agree on one key."""
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secrets.token_urlsafe(48).encode("ascii"))
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)  # fails if another process was first: its key wins
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
    return path.read_bytes().strip()


def load_key(environ: dict[str, str] | None = None, key_file: Path = KEY_FILE) -> bytes:
    environ = dict(os.environ if environ is None else environ)
    secret = (environ.get(SECRET_NAME) or "").strip()
    development = (environ.get("ENVIRONMENT") or "development").strip() == "development"
    if development:
        return secret.encode("utf-8") if secret else _install_key(key_file)
    if is_placeholder(secret):
        raise SessionSecretMissing(
            f"{SECRET_NAME} must be set to a real secret outside development (it signs web chat session ids)"
        )
    return secret.encode("utf-8")


class SessionIds:
    """Issues and checks web chat session tokens with one key."""

    def __init__(self, key: bytes) -> None:
        if not key:
            raise SessionSecretMissing(f"{SECRET_NAME}: empty key")
        self._key = key

    @classmethod
    def from_env(cls) -> SessionIds:
        return cls(load_key())

    def issue(self) -> tuple[str, str]:
        """A new conversation: (sender_id, token for the browser)."""
        sender_id = PREFIX + secrets.token_hex(16)
        return sender_id, f"{sender_id}.{_signature(self._key, sender_id)}"

    def verify(self, token: object) -> str | None:
        """The sender_id of a token this server signed, else None."""
        if not isinstance(token, str):
            return None
        match = _TOKEN.match(token)
        if not match:
            return None
        sender_id, signature = match.groups()
        return sender_id if hmac.compare_digest(signature, _signature(self._key, sender_id)) else None


def sender_of(token: str) -> str:
    """The conversation id inside a token (no check): what Rasa's tracker is keyed by."""
    return token.split(".", 1)[0]
