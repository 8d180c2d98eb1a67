"""Settings of the action server, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

_PLACEHOLDERS = {"", "change-me", "changeme", "dev-service-token", "secret"}


@dataclass(frozen=True)
class Settings:
    backend_url: str
    service_token: str
    policy: str
    environment: str
    backend_timeout: float
    retry_after_seconds: int

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get("ENVIRONMENT", "development")
        token = os.environ.get("SERVICE_TOKEN", "dev-service-token")
        if env == "production" and token in _PLACEHOLDERS:
            raise RuntimeError("SERVICE_TOKEN must be set to a real secret when ENVIRONMENT=production")
        return cls(
            backend_url=os.environ.get("BACKEND_URL", "http://127.0.0.1:8000").rstrip("/"),
            service_token=token,
            policy=os.environ.get("COMPLAINT_POLICY", "eurolux"),
            environment=env,
            backend_timeout=float(os.environ.get("BACKEND_TIMEOUT", "5")),
            retry_after_seconds=int(os.environ.get("REGISTRATION_RETRY_SECONDS", "60")),
        )


settings = Settings.from_env()
