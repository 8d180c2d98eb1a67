"""Where a letter of ours goes that answers no letter of this turn: a notification about a
complaint (notifications' EmailSender) or a bot message sent outside a turn (an agent's, through
Rasa: POST /api/mail/outbound). In a thread the customer wrote in, both follow its last letter
(In-Reply-To, References, "[K7QM-4PXR] Re: <subject>"); every one is recorded, so the customer's
reply to it reaches the complaint."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from backend.app.complaints.models import Complaint
from backend.app.core.models import utcnow
from backend.app.mail import compose, service
from backend.app.mail.models import MailLetter
from backend.app.mail.smtp import OutLetter
from contract.conversation_ids import email_conversation


@dataclass(frozen=True)
class Placement:
    thread: str
    conversation_id: str | None
    complaint_id: int | None
    language: str | None


def _follow(letter: OutLetter, last: MailLetter, language: str, tracking_number: str | None) -> None:
    letter.in_reply_to = last.message_id
    letter.references = compose.references_after(last.references, last.message_id)
    letter.subject = compose.reply_subject(last.subject, language, tracking_number)


def place_notification(engine: sa.Engine, letter: OutLetter, tracking_number: str) -> Placement | None:
    """A notice to a complaint's customer: in the complaint's thread when it has one, else it
    starts one. None for a letter to anyone else (agents' reminders go to their own address)."""
    with Session(engine) as session:
        complaint = session.exec(select(Complaint).where(col(Complaint.tracking_number) == tracking_number)).first()
        if complaint is None or complaint.id is None or not complaint.email:
            return None
        if complaint.email.strip().lower() != letter.to.strip().lower():
            return None
        last = service.latest_of_complaint(session=session, complaint_id=complaint.id)
        language = compose.language_of(letter.language, complaint.language)
        if last is None or not service.customer_wrote_in(session=session, thread=last.thread):
            # Notices the customer never answered keep their own subjects (each names the
            # complaint); recorded, a reply to any of them still reaches the complaint.
            return Placement(letter.message_id, email_conversation(letter.to), complaint.id, language)
        _follow(letter, last, language, complaint.tracking_number)
        return Placement(last.thread, last.conversation_id, complaint.id, language)


def place_in_conversation(engine: sa.Engine, conversation_id: str, letter: OutLetter) -> Placement | None:
    """A bot message for an e-mail conversation, in its latest thread, to its address (None: the
    conversation never wrote to us). Fills in the letter's recipient, headers and language."""
    with Session(engine) as session:
        last = service.latest_of_conversation(session=session, conversation_id=conversation_id)
        if last is None or not last.address:
            return None
        complaint = session.get(Complaint, last.complaint_id) if last.complaint_id else None
        language = compose.language_of(last.language, complaint.language if complaint else "")
        letter.to = last.address
        letter.language = language
        _follow(letter, last, language, complaint.tracking_number if complaint else None)
        return Placement(last.thread, conversation_id, last.complaint_id, language)


def record(engine: sa.Engine, letter: OutLetter, placement: Placement) -> None:
    """Our letter, accepted by SMTP: ids and headers, never its text (it may carry the PIN)."""
    with Session(engine) as session:
        service.record_outbound(
            session=session,
            row=MailLetter(
                message_id=letter.message_id,
                thread=placement.thread,
                in_reply_to=letter.in_reply_to,
                references=" ".join(letter.references) or None,
                subject=letter.subject,
                conversation_id=placement.conversation_id,
                complaint_id=placement.complaint_id,
                address=letter.to,
                language=placement.language,
            ),
            now=utcnow(),
        )
