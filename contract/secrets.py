"""Which secrets are real, and which addresses are private to this machine.

Every process refuses to listen beyond loopback while a secret that guards it is a
placeholder (docs/security.md): development defaults (`dev-*`) are safe only where nobody else
can connect. One rule here, so the backend, the rasa server, the action server and the
scripts agree on it.
"""

from __future__ import annotations

import ipaddress
import socket

# Values that show a secret was never really set.
PLACEHOLDERS = frozenset({"", "change-me", "changeme", "changethis", "secret", "password", "token", "xxx"})
MIN_SECRET_LENGTH = 16


def is_placeholder(value: str | None) -> bool:
    value = (value or "").strip()
    return value.lower() in PLACEHOLDERS or value.startswith("dev-") or len(value) < MIN_SECRET_LENGTH


def is_loopback(host: str | None) -> bool:
    """True for addresses only this machine reaches (127.0.0.0/8, ::1, "localhost")."""
    host = (host or "").strip().strip("[]")
    if not host:
        return False  # an empty bind address means every interface
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None))
        except (OSError, ValueError):
            return False


def refusal(host: str | None, secrets: dict[str, str | None]) -> str | None:
    """Why a process must not start on `host` with these secrets (name -> value), or None."""
    if is_loopback(host):
        return None
    weak = [name for name, value in secrets.items() if is_placeholder(value)]
    if not weak:
        return None
    return (
        f"refusing to listen on {host or 'every interface'}: {', '.join(weak)} "
        f"{'is' if len(weak) == 1 else 'are'} not set to a real secret (at least {MIN_SECRET_LENGTH} "
        "characters, not a dev- default); set them, or listen on 127.0.0.1"
    )
