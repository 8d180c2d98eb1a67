"""Tracking numbers, PINs, agents' passwords and bearer tokens."""

import enum
import hashlib
import hmac
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backend.app.core.settings import Settings
from contract import tracking

# No 0/O and no 1/I: a customer reads the number from an SMS and types it back.
TRACKING_ALPHABET = tracking.ALPHABET
_TRACKING_HALF = tracking.HALF
PIN_DIGITS = 6

# PINs: argon2id with 4 MiB and 1 pass, about 2 ms a hash here, instead of the ~22 ms of the
# password parameters below. The trade-off (backend/README.md, "PIN hashing"): a 6-digit PIN
# has only 10^6 values, so no affordable hash cost protects it once the table leaks (all of
# them fall in about half an hour of one core at this cost, in about six hours at 19 MiB) --
# and a leaked table holds the complaints themselves in clear anyway. What protects a PIN is
# the look-up's lock-out (PIN_MAX_ATTEMPTS per PIN_LOCKOUT_MINUTES per complaint); the hash
# only keeps PINs out of plain sight. At 19 MiB the hash alone (~20 ms of CPU) held a 2-core
# machine below 100 registrations a second; now it is ~2 ms of the ~5-8 ms a registration
# costs. Hashes carry their parameters, so PINs stored under other parameters still verify.
_pin_hasher = PasswordHasher(time_cost=1, memory_cost=4 * 1024, parallelism=1)
# Agents' passwords: argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
_password_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Login tokens: 256 random bits, stored as their SHA-256.
_ACCESS_TOKEN_BYTES = 32


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


def parse_tracking_number(raw: str) -> str:
    """The normalised number, or ValueError with what a tracking number looks like."""
    number = normalise_tracking_number(raw)
    if not tracking.TRACKING_NUMBER.match(number):
        raise ValueError(
            "malformed tracking number: expected 8 characters like K7QM-4PXR, "
            f"from {TRACKING_ALPHABET} (no 0, O, 1 or I)"
        )
    return number


def generate_pin() -> str:
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def derive_pin(secret_key: str, idempotency_key: str, tracking_number: str) -> str:
    """A PIN that the server alone can compute again, for a client that retries a
    registration with the same Idempotency-Key after losing the first answer."""
    message = f"pin\x00{idempotency_key}\x00{tracking_number}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return f"{int.from_bytes(digest, 'big') % 10**PIN_DIGITS:0{PIN_DIGITS}d}"


def hash_pin(pin: str) -> str:
    return _pin_hasher.hash(pin)


def verify_pin(pin_hash: str | None, pin: str) -> bool:
    """Without a hash (unknown tracking number) a dummy one is checked, so that the answer
    takes as long as for a real complaint and does not tell which numbers exist."""
    try:
        return _pin_hasher.verify(pin_hash or _dummy_pin_hash(), pin) and pin_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Without a hash (unknown username) a dummy one is checked, so that the answer takes as
    long as for a real account and does not tell which usernames exist."""
    try:
        return _password_hasher.verify(password_hash or _dummy_password_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _password_hasher.check_needs_rehash(password_hash)


@cache
def _dummy_pin_hash() -> str:
    return _pin_hasher.hash(secrets.token_urlsafe(16))


@cache
def _dummy_password_hash() -> str:
    return _password_hasher.hash(secrets.token_urlsafe(16))


def new_access_token() -> str:
    return secrets.token_urlsafe(_ACCESS_TOKEN_BYTES)


def access_token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
