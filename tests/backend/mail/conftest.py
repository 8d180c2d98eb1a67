"""The e-mail channel against real parts: dovecot on loopback (tests/support/dovecot.py), the
aiosmtpd sink (tests/support/loopback.py SmtpSink) and a loopback rasa server speaking the
e-mail webhook contract (tests/support/rasa_email.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from pydantic import SecretStr
from sqlmodel import Session, select

from backend.app.clients.rasa import RasaClient
from backend.app.core.models import utcnow
from backend.app.core.settings import Settings
from backend.app.mail.imap import MailboxReader, MailboxUrl
from backend.app.mail.inbound import InboundFlow
from backend.app.mail.models import MailLetter
from backend.app.mail.smtp import Mailer
from tests.backend.conftest import SERVICE_TOKEN
from tests.support.dovecot import Dovecot
from tests.support.loopback import SmtpSink
from tests.support.rasa_email import FakeRasaEmail

CUSTOMER = "ion.popescu@example.ro"
OURS = "reclamatii@inverter.example"


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot().start()  # fails (never skips) without the binary
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def rasa_email() -> Iterator[FakeRasaEmail]:
    server = FakeRasaEmail(SERVICE_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mail_settings(settings: Settings, smtp_sink: SmtpSink, rasa_email: FakeRasaEmail, dovecot: Dovecot) -> Settings:
    return settings.model_copy(
        update={
            "smtp_url": SecretStr(smtp_sink.url),
            "email_from": OURS,
            "rasa_url": rasa_email.url,
            "imap_url": SecretStr(dovecot.url),
            "imap_policy": "inverter_eu",
            "imap_poll_seconds": 2.0,
            "notification_send_timeout_seconds": 5,
        }
    )


@pytest.fixture
def mail(
    client: Any, app: FastAPI, mail_settings: Settings, dovecot: Dovecot, smtp_sink: SmtpSink, rasa_email: FakeRasaEmail
) -> Iterator[MailWorld]:
    """A clean database (`client` empties it), an empty mailbox and sink, a fresh script for Rasa;
    the app answers with the mail settings."""
    dovecot.clear()
    smtp_sink.messages.clear()
    smtp_sink.failures = 0
    rasa_email.reset()
    previous = app.state.settings
    app.state.settings = mail_settings
    world = MailWorld(app, mail_settings, dovecot, smtp_sink, rasa_email)
    yield world
    app.state.settings = previous
    world.close()


class MailWorld:
    def __init__(self, app: FastAPI, settings: Settings, dovecot: Dovecot, smtp: SmtpSink, rasa: FakeRasaEmail) -> None:
        self.app = app
        self.engine: sa.Engine = app.state.engine
        self.settings = settings
        self.dovecot = dovecot
        self.smtp = smtp
        self.rasa = rasa
        self.rasa_client = RasaClient.from_settings(settings)

    def close(self) -> None:
        self.rasa_client.close()

    def flow(self, **changes: Any) -> InboundFlow:
        settings = self.settings.model_copy(update=changes) if changes else self.settings
        return InboundFlow(
            engine=self.engine,
            settings=settings,
            policies=self.app.state.policies,
            rasa=self.rasa_client,
            mailer=Mailer(settings),
        )

    def reader(self, flow: InboundFlow | None = None, handle: Callable[[bytes], Any] | None = None) -> MailboxReader:
        flow = flow or self.flow()
        url = MailboxUrl.parse(self.settings.imap_url.get_secret_value())  # type: ignore[union-attr]
        return MailboxReader(url, handle or flow.handle, poll_seconds=self.settings.imap_poll_seconds)

    def read_once(self, reader: MailboxReader | None = None) -> int:
        """Connects, handles every unseen letter, logs out: what one reader does per wake-up."""
        reader = reader or self.reader()

        async def run() -> int:
            await reader.connect()
            try:
                return await reader.read_unseen()
            finally:
                await reader.stop()

        return asyncio.run(run())

    def rows(self) -> list[MailLetter]:
        with Session(self.engine) as session:
            return list(session.exec(select(MailLetter).order_by(MailLetter.id)).all())  # type: ignore[arg-type]


def letter(
    text: str = "Bună ziua, invertorul SUN2000-5KTL nu pornește.",
    *,
    sender: str = f"Ion Popescu <{CUSTOMER}>",
    subject: str = "Invertor defect",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    headers: dict[str, str] | None = None,
    html: str | None = None,
    files: list[tuple[str, str, bytes]] | None = None,
) -> tuple[bytes, str]:
    """A raw letter and its Message-ID."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = OURS
    mail["Subject"] = subject
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@mail.example.ro>"
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    if references:
        mail["References"] = " ".join(references)
    if html is not None:
        mail.set_content(html, subtype="html")
    else:
        mail.set_content(text)
    for name, value in (headers or {}).items():  # after set_content, which resets Content-*
        mail[name] = value
    for filename, content_type, data in files or []:
        maintype, subtype = content_type.split("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return mail.as_bytes(), str(mail["Message-ID"])
