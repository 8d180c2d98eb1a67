"""The PIN an SMS must still carry, encrypted while it waits in its notification row.

Complaints keep only the PIN's hash; a policy that promises the PIN by SMS (Poliser) needs it
again when the SMS goes out, which may be after a restart or in another replica. So the
registration's SMS row holds it sealed with Fernet (AES-128-CBC + HMAC-SHA256, from
`cryptography`) under PIN_ENCRYPTION_KEY, and the outbox sets it to NULL once the SMS was
accepted, failed for good or was cancelled.

PIN_ENCRYPTION_KEY is any secret string (a Fernet key works too): the Fernet key is derived from
it with HKDF, so an operator never has to produce the exact 32-byte base64 format.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

_INFO = b"complaints: PIN carried by an SMS"


class PinUnreadable(Exception):
    """The sealed PIN cannot be opened (PIN_ENCRYPTION_KEY changed since it was sealed)."""


class PinSeal:
    def __init__(self, key: SecretStr) -> None:
        material = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
            key.get_secret_value().encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(material))

    def seal(self, pin: str) -> str:
        return self._fernet.encrypt(pin.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            raise PinUnreadable("the sealed PIN cannot be opened with PIN_ENCRYPTION_KEY") from None
