"""Settings of the Rasa side, read from the environment: one class for the rasa server (channels,
event broker) and the action server alike.

contract.settings owns the defaults every process shares (BACKEND_URL, COMPLAINT_POLICY,
ENVIRONMENT, ...) and applies them at interpreter start; `read()` asks it again for a value the
environment lacks, so these defaults hold even where that start-up hook did not run. What only
the Rasa side reads has its default here. Standard library and contract only: the action
server, the channels' parsing code (tested in the backend's environment) and the event relay
import it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contract import settings as shared

DEV_SERVICE_TOKEN = "dev-service-token"
_PLACEHOLDERS = {"", "change-me", "changeme", DEV_SERVICE_TOKEN, "secret"}

# One timeout for every request to the backend, from the action server (registration, status,
# decisions, handoffs) and from the channels (attachments) alike. The JSON calls answer in
# milliseconds (make bench-backend), so a call still open after 10 s is a backend in trouble and
# waiting longer only keeps the customer waiting for the answer the fallback gives anyway
# (registration: "we will retry", keyed so the retry registers once; three attempts stay near
# 30 s). The largest upload, an attachment of ATTACHMENT_MAX_BYTES (10 MB), crosses even a
# 10 Mbit/s link within it. Was 5 s in the action server (too short for that upload) and 15 s in
# the channels.
BACKEND_TIMEOUT = 10.0


def read(name: str, default: str = "", credentials: Mapping[str, Any] | None = None) -> str:
    """A setting: a channel's own key in credentials.yml (the name in lower case) when given,
    else the environment, else contract.settings' default, else `default`. Empty counts as unset."""
    key = name.lower()
    if credentials and credentials.get(key) not in (None, ""):
        return str(credentials[key]).strip()
    value = os.environ.get(name, "").strip()
    if value:
        return value
    return shared.resolve({k: v for k, v in os.environ.items() if k != name}).get(name, "").strip() or default


@dataclass(frozen=True)
class Settings:
    environment: str
    backend_url: str
    service_token: str
    backend_timeout: float
    policy: str  # COMPLAINT_POLICY: the policy of this server's conversations
    attachment_max_bytes: int

    @classmethod
    def from_env(cls) -> Settings:
        environment = read("ENVIRONMENT", "development")
        token = read("SERVICE_TOKEN", DEV_SERVICE_TOKEN)
        if environment == "production" and token in _PLACEHOLDERS:
            raise RuntimeError("SERVICE_TOKEN must be set to a real secret when ENVIRONMENT=production")
        return cls(
            environment=environment,
            backend_url=read("BACKEND_URL").rstrip("/"),
            service_token=token,
            backend_timeout=float(read("BACKEND_TIMEOUT", str(BACKEND_TIMEOUT))),
            policy=read("COMPLAINT_POLICY"),
            attachment_max_bytes=int(read("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))),
        )


settings = Settings.from_env()
