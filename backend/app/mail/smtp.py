"""The one SMTP sender of the backend (SMTP_URL, EMAIL_FROM): the e-mail channel's answers,
the agents' messages to an e-mail customer, and the notifications' e-mail route
(backend/app/notifications/senders.py EmailSender) all leave through `Mailer.send`.

Blocking (smtplib): the routes and the mailbox reader call it in a worker thread."""

from __future__ import annotations

import email.utils
import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from backend.app.core import clock
from backend.app.core.settings import Settings

# RFC 3834: an answer to a letter is "auto-replied", a notice of our own "auto-generated"; both
# keep well-behaved auto-responders from answering us back.
AUTO_REPLIED = "auto-replied"
AUTO_GENERATED = "auto-generated"


class SmtpFailure(Exception):
    """The letter was not accepted. `permanent`: the server refused it for good (5xx, the
    recipient refused); else a later try may succeed."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass
class OutLetter:
    to: str
    subject: str
    text: str = field(repr=False)
    message_id: str
    language: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    auto_submitted: str = AUTO_GENERATED


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def configured(self) -> bool:
        return self.settings.smtp_url is not None

    @property
    def domain(self) -> str:
        return self.settings.email_from.rpartition("@")[2].strip("> ") or "localhost"

    def message_id(self, key: str | None = None) -> str:
        """`<key@our domain>`: a notification's key makes a letter sent twice recognisably one."""
        return f"<{key or uuid.uuid4().hex}@{self.domain}>"

    def build(self, letter: OutLetter) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.settings.email_from
        mail["To"] = letter.to
        mail["Subject"] = letter.subject
        mail["Date"] = email.utils.format_datetime(clock.now())
        mail["Message-ID"] = letter.message_id
        if letter.in_reply_to:
            mail["In-Reply-To"] = letter.in_reply_to
        if letter.references:
            mail["References"] = " ".join(letter.references)
        mail["Auto-Submitted"] = letter.auto_submitted
        mail.set_content(letter.text)
        if letter.language:
            mail["Content-Language"] = letter.language  # after set_content, which resets Content-*
        return mail

    def send(self, letter: OutLetter) -> str:
        """Hands the letter to the SMTP server; its Message-ID once accepted, else SmtpFailure."""
        if self.settings.smtp_url is None:
            raise SmtpFailure("SMTP_URL not set", permanent=True)
        mail = self.build(letter)
        url = urlsplit(self.settings.smtp_url.get_secret_value())
        timeout = self.settings.notification_send_timeout_seconds
        secure = url.scheme == "smtps"
        port = url.port or (465 if secure else 25)
        host = url.hostname or "localhost"
        starttls = parse_qs(url.query).get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        try:
            smtp: smtplib.SMTP
            if secure:
                smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(host, port, timeout=timeout)
            with smtp:
                if not secure and starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if url.username:
                    smtp.login(unquote(url.username), unquote(url.password or ""))
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused:
            raise SmtpFailure("smtp refused the recipient", permanent=True) from None
        except smtplib.SMTPResponseException as exc:
            raise SmtpFailure(f"smtp answered {exc.smtp_code}", permanent=500 <= exc.smtp_code < 600) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SmtpFailure(f"smtp: {type(exc).__name__}", permanent=False) from None
        return letter.message_id
