"""Settings of the channel connectors, read from the environment (see DESIGN.md).

A channel is on when its token is set. Values in credentials.yml, when given,
override the environment (handy for a second bot in tests); the file itself
never holds secrets.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def _get(name: str, credentials: Mapping[str, Any] | None, default: str = "") -> str:
    key = name.lower()
    if credentials and credentials.get(key) not in (None, ""):
        return str(credentials[key]).strip()
    return os.environ.get(name, "").strip() or default


@dataclass(frozen=True)
class BackendSettings:
    url: str
    service_token: str
    timeout: float
    max_attachment_bytes: int

    @classmethod
    def from_env(cls, credentials: Mapping[str, Any] | None = None) -> BackendSettings:
        return cls(
            url=_get("BACKEND_URL", credentials, "http://127.0.0.1:8000").rstrip("/"),
            service_token=_get("SERVICE_TOKEN", credentials, "dev-service-token"),
            timeout=float(_get("BACKEND_TIMEOUT", credentials, "15")),
            max_attachment_bytes=int(_get("ATTACHMENT_MAX_BYTES", credentials, str(10 * 1024 * 1024))),
        )


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    webhook_secret: str
    api_base_url: str
    webhook_url: str  # when set, setWebhook is called at start-up with it and the secret

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    @classmethod
    def from_env(cls, credentials: Mapping[str, Any] | None = None) -> TelegramSettings:
        return cls(
            token=_get("TELEGRAM_BOT_TOKEN", credentials),
            webhook_secret=_get("TELEGRAM_WEBHOOK_SECRET", credentials),
            api_base_url=_get("TELEGRAM_API_BASE_URL", credentials, "https://api.telegram.org").rstrip("/"),
            webhook_url=_get("TELEGRAM_WEBHOOK_URL", credentials),
        )


@dataclass(frozen=True)
class WhatsAppSettings:
    access_token: str
    app_secret: str
    verify_token: str
    phone_number_id: str
    api_base_url: str
    api_version: str

    @property
    def enabled(self) -> bool:
        return bool(self.access_token)

    @property
    def messages_url(self) -> str:
        return f"{self.api_base_url}/{self.api_version}/{self.phone_number_id}/messages"

    def media_url(self, media_id: str) -> str:
        return f"{self.api_base_url}/{self.api_version}/{media_id}"

    @classmethod
    def from_env(cls, credentials: Mapping[str, Any] | None = None) -> WhatsAppSettings:
        version = _get("WHATSAPP_API_VERSION", credentials, "v21.0")
        return cls(
            access_token=_get("WHATSAPP_ACCESS_TOKEN", credentials),
            app_secret=_get("WHATSAPP_APP_SECRET", credentials),
            verify_token=_get("WHATSAPP_VERIFY_TOKEN", credentials),
            phone_number_id=_get("WHATSAPP_PHONE_NUMBER_ID", credentials),
            api_base_url=_get("WHATSAPP_API_BASE_URL", credentials, "https://graph.facebook.com").rstrip("/"),
            api_version=version if version.startswith("v") else f"v{version}",
        )


@dataclass(frozen=True)
class TwilioSettings:
    account_sid: str
    auth_token: str
    whatsapp_number: str
    api_base_url: str
    webhook_url: str  # the public URL configured in Twilio; signatures are computed over it

    @property
    def enabled(self) -> bool:
        return bool(self.auth_token and self.account_sid)

    @property
    def from_address(self) -> str:
        number = self.whatsapp_number
        return number if not number or number.startswith("whatsapp:") else f"whatsapp:{number}"

    @property
    def messages_url(self) -> str:
        return f"{self.api_base_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    @classmethod
    def from_env(cls, credentials: Mapping[str, Any] | None = None) -> TwilioSettings:
        return cls(
            account_sid=_get("TWILIO_ACCOUNT_SID", credentials),
            auth_token=_get("TWILIO_AUTH_TOKEN", credentials),
            whatsapp_number=_get("TWILIO_WHATSAPP_NUMBER", credentials),
            api_base_url=_get("TWILIO_API_BASE_URL", credentials, "https://api.twilio.com").rstrip("/"),
            webhook_url=_get("TWILIO_WEBHOOK_URL", credentials),
        )
