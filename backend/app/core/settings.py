"""The backend's one settings object, read from the environment (and `.env` at the repo root)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from contract import exposure, secrets

REPO_ROOT = Path(__file__).resolve().parents[3]

PolicyId = Literal["eurolux", "kontakt", "music_gallery", "inverter_eu", "poliser"]

# The secrets that guard the backend, named once for the launchers and these checks.
_SECRET_FIELDS = tuple(name.lower() for name in exposure.GUARDS["backend"][1])


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=REPO_ROOT / ".env",
        env_file_encoding="utf-8",
        extra="ignore",
        # A start-up error must not print the (real) secrets it was given.
        hide_input_in_errors=True,
    )

    environment: Literal["development", "production"] = "development"
    # Where uvicorn listens (scripts/run-backend.sh passes it as --host): beyond loopback only
    # with real secrets (_refuse_placeholders_off_loopback).
    backend_host: str = "127.0.0.1"
    database_url: str = "sqlite:///var/backend.db"
    # Bearer tokens: AGENT_TOKEN has agent rights, SERVICE_TOKEN (the action server) service rights.
    agent_token: SecretStr = SecretStr("dev-agent-token")
    service_token: SecretStr = SecretStr("dev-service-token")
    # Keys the HMAC that re-derives a PIN for an idempotent replay; never the PIN store itself.
    secret_key: SecretStr = SecretStr("dev-secret-key")
    # Encrypts a PIN an SMS must still carry (backend/app/notifications/sealed_pin.py) until the
    # SMS is accepted; every backend replica needs the same value.
    pin_encryption_key: SecretStr = SecretStr("dev-pin-encryption-key")
    complaint_policy: PolicyId = "eurolux"
    # Wrong PINs per complaint before its look-up locks; the first lock-out, then twice as
    # long each time until a right PIN, at most PIN_LOCKOUT_MAX_MINUTES.
    pin_max_attempts: int = Field(default=5, ge=1)
    pin_lockout_minutes: int = Field(default=15, ge=1)
    pin_lockout_max_minutes: int = Field(default=24 * 60, ge=1)
    # The public look-up's per-client limit (backend/app/tracking/rate_limit.py): failed look-ups
    # one client may make across all tracking numbers, in the `limits` notation; its counters in
    # memory:// (one process) or redis://host:port/db (the production profile: every replica).
    status_lookup_client_limit: str = Field(default="10 per 15 minutes", min_length=5, max_length=64)
    rate_limit_storage_url: SecretStr = SecretStr("memory://")
    # How long the tracking page keeps a customer in after a right PIN (signed cookie).
    track_session_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # Agents' own accounts: how long a login token lasts, and the lock after wrong passwords.
    auth_token_ttl_hours: int = Field(default=12, ge=1, le=24 * 30)
    login_max_attempts: int = Field(default=10, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    login_lockout_max_minutes: int = Field(default=24 * 60, ge=1)
    # Files customers send in the chat; a relative path is relative to the repo root.
    attachments_dir: Path = Path("var/attachments")
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    # Any request body other than an attachment upload.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Rasa's HTTP API (agents' replies and "return to bot" in a handed-over conversation).
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: SecretStr | None = None
    rasa_timeout_seconds: float = Field(default=10, gt=0)
    # Rasa's tracker store (the same RASA_TRACKER_URL the rasa servers use): erasure and the
    # transcripts' purge delete conversations there too (backend/app/privacy/rasa_tracker.py).
    rasa_tracker_url: SecretStr | None = None
    # Production profile: the rasa servers publish their tracker events to RabbitMQ (Rasa's
    # PikaEventBroker, bot/runtime/pika_broker.py) and every replica consumes the one durable queue
    # (backend/app/conversations/consumer.py). Empty: off, events come over HTTP (development profile).
    rabbitmq_url: SecretStr = SecretStr("")
    rasa_events_queue: str = Field(default="rasa_events", min_length=1, max_length=255)
    rasa_events_exchange: str = Field(default="rasa-exchange", min_length=1, max_length=255)
    # Unacknowledged messages RabbitMQ hands one replica at a time (two batches of ~100).
    rasa_events_prefetch: int = Field(default=200, ge=1, le=65535)

    # --- notifications (backend/app/notifications; see backend/README.md) ----------------------
    # APScheduler and the dispatcher run in this process (off for tests that drive them by hand).
    scheduler_enabled: bool = True
    # Each process looks for due notifications at least this often (missed wake-ups, leases).
    scheduler_sweep_seconds: float = Field(default=30, gt=0)
    # How long a claimed notification stays with one dispatcher before another may take it over.
    notification_lease_seconds: float = Field(default=120, gt=0)
    # Attempts before a notification is failed; the n-th retry waits retry_seconds * 2^(n-1).
    notification_max_attempts: int = Field(default=6, ge=1)
    notification_retry_seconds: float = Field(default=30, gt=0)
    notification_retry_max_seconds: float = Field(default=3600, gt=0)
    notification_batch_size: int = Field(default=200, ge=1)
    notification_concurrency: int = Field(default=50, ge=1)
    notification_send_timeout_seconds: float = Field(default=15, gt=0)
    # Local times (policy's time zone): agents' reminders on a deadline's day; customer
    # notices that fall on a day (the automatic progress update, the approval reminder).
    reminder_local_time: dt.time = dt.time(9, 0)
    customer_notice_local_time: dt.time = dt.time(10, 0)
    # Days after a decision without the customer's answer before they are asked again (0: never).
    approval_reminder_days: int = Field(default=3, ge=0)
    # The console's address as the staff reach it: the links in alerts by e-mail and Telegram.
    console_url: str = "http://localhost:8000/agent"
    # Senders. SMTP_URL: smtp://[user:password@]host[:port][?starttls=true] or smtps://...
    smtp_url: SecretStr | None = None
    # The From of every letter; SMTP_FROM is its old name, still read.
    email_from: str = Field(
        default="complaints@localhost", validation_alias=AliasChoices("email_from", "smtp_from", "EMAIL_FROM")
    )

    # --- the e-mail channel (backend/app/mail; docs/channels.md "E-mail") ----------------------
    # imap[s]://user:password@host:port/MAILBOX (URL-encoded); unset: the channel is off.
    imap_url: SecretStr | None = None
    # The policy of the mailbox's letters (default COMPLAINT_POLICY).
    imap_policy: PolicyId | None = None
    # Without IDLE, the mailbox is looked at this often; with it, this is also the longest IDLE
    # (unseen letters left by a failure are tried again at least this often).
    imap_poll_seconds: float = Field(default=60, gt=0)
    # A larger letter is read for its text; its attachments are not stored and the answer says so.
    mail_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # How long a letter being handled stays with one reader before another may take it over.
    mail_lease_seconds: float = Field(default=300, gt=0)
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    # --- the staff bot (backend/app/staffbot; docs/handoff.md "Staff bot") --------------------
    # The agents' own bot, not the customers' (TELEGRAM_BOT_TOKEN); unset: the staff bot is off.
    staff_telegram_bot_token: SecretStr | None = None
    # The Bot API server (aiogram's TelegramAPIServer.from_base): a local Bot API server, or the
    # tests' loopback one.
    staff_telegram_api_base_url: str = "https://api.telegram.org"
    # Set: updates come to POST /api/staff-telegram/webhook, which checks Telegram's
    # X-Telegram-Bot-Api-Secret-Token against it. Unset: each backend process long-polls.
    staff_telegram_webhook_secret: SecretStr | None = None
    # The webhook's public URL registered with setWebhook (default BACKEND_URL + the route).
    staff_telegram_webhook_url: str | None = None
    whatsapp_access_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_api_base_url: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v21.0"
    # Approved template per language for messages outside the 24-hour window, as JSON:
    # WHATSAPP_TEMPLATES='{"ru": "complaint_update", "az": "complaint_update", ...}'.
    whatsapp_templates: dict[Literal["ru", "az", "ro", "tr"], str] = Field(default_factory=dict)
    # SMS: an HTTP gateway (POST JSON {to, text, reference}); SMS_SENDER names another class.
    sms_gateway_url: str | None = None
    sms_gateway_token: SecretStr | None = None
    sms_sender: str = "backend.app.notifications.senders:HttpSmsSender"
    # SMS through Twilio's Messages API (backend/app/notifications/sms.py) when TWILIO_SMS_FROM,
    # TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set; the rasa server's WhatsApp channel
    # shares the account settings.
    twilio_sms_from: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_api_base_url: str = "https://api.twilio.com"

    @property
    def twilio_sms_enabled(self) -> bool:
        return bool(self.twilio_sms_from and self.twilio_account_sid and self.twilio_auth_token)

    @property
    def smtp_from(self) -> str:
        """The old name of EMAIL_FROM."""
        return self.email_from

    @property
    def mail_policy(self) -> str:
        return self.imap_policy or self.complaint_policy

    @field_validator("database_url")
    @classmethod
    def _anchor_sqlite_path(cls, value: str) -> str:
        """A relative SQLite path is relative to the repo root, not to the working directory."""
        url = make_url(value)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return value
        path = Path(url.database)
        if not path.is_absolute():
            path = REPO_ROOT / path
        path.parent.mkdir(parents=True, exist_ok=True)
        return url.set(database=str(path)).render_as_string(hide_password=False)

    @field_validator("staff_telegram_webhook_secret")
    @classmethod
    def _telegram_secret_token(cls, value: SecretStr | None) -> SecretStr | None:
        """Telegram's secret_token: 1-256 of A-Z, a-z, 0-9, _ and - (setWebhook refuses others)."""
        if value is None or not value.get_secret_value():
            return None
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("STAFF_TELEGRAM_WEBHOOK_SECRET: 1-256 letters, digits, _ or -")
        return value

    @field_validator("attachments_dir")
    @classmethod
    def _anchor_attachments_dir(cls, value: Path) -> Path:
        return value if value.is_absolute() else REPO_ROOT / value

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> Settings:
        """A lease shorter than a send lets a second dispatcher take a row still being sent."""
        if self.notification_lease_seconds <= self.notification_send_timeout_seconds:
            raise ValueError(
                "NOTIFICATION_LEASE_SECONDS must be longer than NOTIFICATION_SEND_TIMEOUT_SECONDS "
                f"({self.notification_lease_seconds:g} <= {self.notification_send_timeout_seconds:g})"
            )
        return self

    @model_validator(mode="after")
    def _refuse_placeholders_off_loopback(self) -> Settings:
        """dev-* tokens are safe only where nobody else connects (docs/security.md)."""
        reason = secrets.refusal(
            self.backend_host, {name.upper(): getattr(self, name).get_secret_value() for name in _SECRET_FIELDS}
        )
        if reason:
            raise ValueError(f"{reason} (BACKEND_HOST)")
        return self

    @model_validator(mode="after")
    def _refuse_weak_secrets(self) -> Settings:
        if self.agent_token.get_secret_value() == self.service_token.get_secret_value():
            raise ValueError("AGENT_TOKEN and SERVICE_TOKEN must differ: they carry different rights")
        if self.environment != "production":
            return self
        problems = []
        for name in _SECRET_FIELDS:
            value: str = getattr(self, name).get_secret_value()
            if not value.strip():
                problems.append(f"{name.upper()} is empty")
            elif value.lower() in secrets.PLACEHOLDERS or value.lower().startswith("dev-"):
                problems.append(f"{name.upper()} is a placeholder ({value!r})")
            elif len(value) < secrets.MIN_SECRET_LENGTH:
                problems.append(f"{name.upper()} is shorter than {secrets.MIN_SECRET_LENGTH} characters")
        if problems:
            raise ValueError(
                "refusing to start with ENVIRONMENT=production: "
                + "; ".join(problems)
                + ". Generate values with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return self
