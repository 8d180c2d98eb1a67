"""Tracking numbers, PINs and bearer tokens."""

import enum
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backend.app.settings import Settings

# No 0/O and no 1/I: a customer reads the number from an SMS and types it back.
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_TRACKING_HALF = 4
PIN_DIGITS = 6

# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): ~25 ms a hash on a
# 2-core machine. A 6-digit PIN is guarded by the attempt lock-out more than by the hash cost.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class Role(enum.StrEnum):
    agent = "agent"
    service = "service"


def generate_tracking_number() -> str:
    chars = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(2 * _TRACKING_HALF))
    return f"{chars[:_TRACKING_HALF]}-{chars[_TRACKING_HALF:]}"


def normalise_tracking_number(raw: str) -> str:
    """'k7qm 4pxr', 'K7QM4PXR' and 'K7QM-4PXR' are the same number."""
    chars = "".join(ch for ch in raw.upper() if ch not in " -")
    if len(chars) != 2 * _TRACKING_HALF:
        return raw.strip().upper()
    return f"{chars[:_TRACKING_HALF]}-{chars[_TRACKING_HALF:]}"


def generate_pin() -> str:
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def derive_pin(secret_key: str, idempotency_key: str, tracking_number: str) -> str:
    """A PIN that the server alone can compute again, for a client that retries a
    registration with the same Idempotency-Key after losing the first answer."""
    message = f"pin\x00{idempotency_key}\x00{tracking_number}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return f"{int.from_bytes(digest, 'big') % 10**PIN_DIGITS:0{PIN_DIGITS}d}"


def hash_pin(pin: str) -> str:
    return _hasher.hash(pin)


def verify_pin(pin_hash: str, pin: str) -> bool:
    try:
        return _hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def role_for_token(token: str, settings: Settings) -> Role | None:
    """Compares against every known token in constant time."""
    role = None
    for candidate, candidate_role in (
        (settings.agent_token.get_secret_value(), Role.agent),
        (settings.service_token.get_secret_value(), Role.service),
    ):
        if hmac.compare_digest(token.encode(), candidate.encode()):
            role = candidate_role
    return role
