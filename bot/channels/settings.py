"""Settings of the webhook channels, read from the environment (DESIGN.md §3).

A channel is on when its token is set. Values in credentials.yml, when given, override the
environment (handy for a second bot in tests); the file itself never holds secrets. The backend
the channels store attachments with is bot.settings' (one for the whole Rasa side).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.settings import read, settings
from contract.secrets import is_placeholder


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
            token=read("TELEGRAM_BOT_TOKEN", credentials=credentials),
            webhook_secret=read("TELEGRAM_WEBHOOK_SECRET", credentials=credentials),
            api_base_url=read("TELEGRAM_API_BASE_URL", "https://api.telegram.org", credentials).rstrip("/"),
            webhook_url=read("TELEGRAM_WEBHOOK_URL", credentials=credentials),
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
        version = read("WHATSAPP_API_VERSION", "v21.0", credentials)
        return cls(
            access_token=read("WHATSAPP_ACCESS_TOKEN", credentials=credentials),
            app_secret=read("WHATSAPP_APP_SECRET", credentials=credentials),
            verify_token=read("WHATSAPP_VERIFY_TOKEN", credentials=credentials),
            phone_number_id=read("WHATSAPP_PHONE_NUMBER_ID", credentials=credentials),
            api_base_url=read("WHATSAPP_API_BASE_URL", "https://graph.facebook.com", credentials).rstrip("/"),
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
            account_sid=read("TWILIO_ACCOUNT_SID", credentials=credentials),
            auth_token=read("TWILIO_AUTH_TOKEN", credentials=credentials),
            whatsapp_number=read("TWILIO_WHATSAPP_NUMBER", credentials=credentials),
            api_base_url=read("TWILIO_API_BASE_URL", "https://api.twilio.com", credentials).rstrip("/"),
            webhook_url=read("TWILIO_WEBHOOK_URL", credentials=credentials),
        )


@dataclass(frozen=True)
class RestSettings:
    """The REST channel (DESIGN.md §3): open in development, as Rasa's own; elsewhere only with
    REST_CHANNEL_TOKEN, which callers send as `Authorization: Bearer <token>`."""

    environment: str
    token: str

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @property
    def enabled(self) -> bool:
        if self.token:
            return self.development or not is_placeholder(self.token)
        return self.development

    @classmethod
    def from_env(cls, credentials: Mapping[str, Any] | None = None) -> RestSettings:
        return cls(
            environment=read("ENVIRONMENT", "development", credentials),
            token=read("REST_CHANNEL_TOKEN", credentials=credentials),
        )


@dataclass(frozen=True)
class EmailSettings:
    """The e-mail channel: on when the backend reads a mailbox (IMAP_URL); only the backend calls
    it, with the service token."""

    mailbox: str
    service_token: str

    @property
    def enabled(self) -> bool:
        return bool(self.mailbox)

    @classmethod
    def from_env(cls, credentials: Mapping[str, Any] | None = None) -> EmailSettings:
        return cls(mailbox=read("IMAP_URL", credentials=credentials), service_token=settings.service_token)


@dataclass(frozen=True)
class GuardSettings:
    """Every customer channel's per-conversation message limit (bot.channels.guard); a limit
    of 0 switches it off."""

    rate_limit: int
    rate_window_seconds: float

    @classmethod
    def from_env(cls) -> GuardSettings:
        return cls(
            rate_limit=int(read("MESSAGE_RATE_LIMIT", "20")),
            rate_window_seconds=float(read("MESSAGE_RATE_WINDOW_SECONDS", "60")),
        )
