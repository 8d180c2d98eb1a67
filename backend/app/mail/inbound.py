"""One raw letter from the mailbox, handled once: read it; never answer an auto-reply, a bounce
or list mail; claim it (a letter read twice is handled once); store its files for the
conversation; when it answers a decision, give Rasa the decision's context; one turn on the rasa
server's e-mail channel; ONE answer letter from all the bot's messages, sent in the thread; the
outcome recorded.

Blocking (database, Rasa's client, smtplib): the mailbox reader runs it in a worker thread.

The at-least-once edge: a reader killed after Rasa took the turn but before the outcome was
written handles the letter again after MAIL_LEASE_SECONDS (the turn runs twice; our answer's
Message-ID is derived from theirs, so a second copy of the answer is recognisably the same)."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import io
import logging
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from backend.app.attachments.service import AttachmentTooLarge, add_attachment
from backend.app.clients.rasa import RasaClient, RasaUnavailable
from backend.app.complaints.models import Complaint, HistoryKind
from backend.app.core.models import utcnow
from backend.app.core.settings import Settings
from backend.app.mail import compose, service, threads
from backend.app.mail.letters import Letter, LetterKind, parse
from backend.app.mail.models import LetterState, MailLetter
from backend.app.mail.smtp import AUTO_REPLIED, Mailer, OutLetter, SmtpFailure
from backend.app.notifications.models import NotificationKind
from backend.app.notifications.outgoing import is_transient_status
from backend.app.notifications.planner import decision_payload
from backend.app.notifications.texts import decision_text
from backend.app.policies.profile import PolicyProfile
from contract.conversation_ids import email_conversation
from contract.statuses import Channel, ComplaintStatus, Language

log = logging.getLogger(__name__)

# SMTP refusing our answer now: tried again a few times before the letter is given up on (the
# turn happened; running it again would answer twice).
SMTP_TRIES = 3
SMTP_BACKOFF_SECONDS = 2.0


class Outcome(enum.Enum):
    handled = "handled"  # answered, or the bot stayed silent: mark it \Seen
    ignored = "ignored"  # auto-reply, bounce, list mail, no sender: \Seen, never answered
    duplicate = "duplicate"  # handled before: \Seen
    busy = "busy"  # another reader holds it: leave it unseen
    retry = "retry"  # Rasa away: leave it unseen, the next reading tries again
    failed = "failed"  # given up (recorded with its reason): \Seen

    @property
    def seen(self) -> bool:
        return self not in (Outcome.busy, Outcome.retry)


@dataclass(frozen=True)
class Answer:
    message_id: str | None  # None: nothing was sent (the bot was silent)


class InboundFlow:
    def __init__(
        self,
        *,
        engine: sa.Engine,
        settings: Settings,
        policies: Mapping[str, PolicyProfile],
        rasa: RasaClient,
        mailer: Mailer,
        worker: str | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.policies = policies
        self.policy = policies[settings.mail_policy]
        self.rasa = rasa
        self.mailer = mailer
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.lease = dt.timedelta(seconds=settings.mail_lease_seconds)

    def handle(self, raw: bytes) -> Outcome:
        letter = parse(raw, max_bytes=self.settings.mail_max_bytes)
        conversation_id = email_conversation(letter.address) if letter.address else None
        with Session(self.engine) as session:
            thread = service.thread_of(
                session=session,
                message_id=letter.message_id,
                earlier=letter.thread_ids,
                conversation_id=conversation_id,
                subject=letter.subject,
            )
            row = MailLetter(
                message_id=letter.message_id,
                thread=thread.thread,
                in_reply_to=letter.in_reply_to,
                references=" ".join(letter.references) or None,
                subject=letter.subject[:998],
                conversation_id=conversation_id,
                complaint_id=thread.complaint_id,
                address=letter.address,
                size=letter.size,
            )
            if letter.kind is not LetterKind.customer or conversation_id is None:
                reason = letter.kind.value if letter.kind is not LetterKind.customer else "no_sender"
                fresh = service.record_ignored(session=session, row=row, reason=reason, now=utcnow())
                log.info("letter %s ignored (%s)", _ref(letter.message_id), reason)
                return Outcome.ignored if fresh else Outcome.duplicate
            claim = service.claim_inbound(session=session, row=row, worker=self.worker, lease=self.lease, now=utcnow())
            if claim.result is service.ClaimResult.done:
                log.info("letter %s read again: handled before", _ref(letter.message_id))
                return Outcome.duplicate
            if claim.result is service.ClaimResult.busy:
                return Outcome.busy
            assert claim.letter_id is not None
            complaint = session.get(Complaint, thread.complaint_id) if thread.complaint_id else None
            stored, refused = (
                (0, 0) if claim.attempts > 1 else self._store_files(session, letter, conversation_id, complaint)
            )
            decision = self._decision(complaint)
        return self._turn(letter, conversation_id, thread, claim.letter_id, stored, refused, decision)

    # --- the steps ---------------------------------------------------------------------------------

    def _turn(
        self,
        letter: Letter,
        conversation_id: str,
        thread: service.Thread,
        letter_id: int,
        stored: int,
        refused: int,
        decision: tuple[str, str] | None,
    ) -> Outcome:
        metadata = {
            "email": letter.address,
            "name": letter.name,
            "subject": letter.subject,
            "message_id": letter.message_id,
            "attachments": stored,
            "language_hint": None,
            # The mailbox's policy (IMAP_POLICY): the action server asks what this policy needs.
            "policy": self.policy.id,
        }
        try:
            if decision is not None:
                self.rasa.set_decision_context(conversation_id, tracking_number=decision[0], decision_text=decision[1])
            answer = self.rasa.email_turn(conversation_id, letter.text, metadata)
        except RasaUnavailable as exc:
            transient = exc.status is None or is_transient_status(exc.status)
            state = LetterState.pending if transient else LetterState.failed
            self._finish(letter_id, state, reason=str(exc))
            log.warning("letter %s: %s (%s)", _ref(letter.message_id), exc, "will retry" if transient else "given up")
            return Outcome.retry if transient else Outcome.failed
        slots = answer.get("slots") if isinstance(answer.get("slots"), dict) else {}
        messages = [m for m in answer.get("messages") or [] if isinstance(m, dict)]
        language = compose.language_of(
            slots.get("language"), compose.language_of(letter.language, self.policy.languages[0])
        )
        complaint = self._registered(slots.get("tracking_number"), conversation_id, thread)
        tracking_number = complaint[1] if complaint else None
        complaint_id = complaint[0] if complaint else thread.complaint_id
        if tracking_number is None and complaint_id is not None:
            with Session(self.engine) as session:
                known = session.get(Complaint, complaint_id)
                tracking_number = known.tracking_number if known else None
        limit_mb = self.settings.mail_max_bytes // (1024 * 1024) if letter.too_large else None
        if not messages and limit_mb is None:
            self._finish(letter_id, LetterState.handled, complaint_id=complaint_id, language=language)
            return Outcome.handled
        out = OutLetter(
            to=letter.address or "",
            subject=compose.reply_subject(letter.subject, language, tracking_number),
            text=compose.answer_text(messages, language, limit_mb=limit_mb, files_refused=refused > 0),
            message_id=self.mailer.message_id("re-" + hashlib.sha256(letter.message_id.encode()).hexdigest()[:32]),
            language=language,
            in_reply_to=letter.message_id,
            references=compose.references_after(" ".join(letter.references), letter.message_id),
            auto_submitted=AUTO_REPLIED,
        )
        try:
            self._send(out)
        except SmtpFailure as exc:
            self._finish(letter_id, LetterState.failed, reason=f"answer not sent: {exc}", complaint_id=complaint_id)
            log.error("letter %s: the answer was not sent (%s)", _ref(letter.message_id), exc)
            return Outcome.failed
        threads.record(self.engine, out, threads.Placement(thread.thread, conversation_id, complaint_id, language))
        self._finish(letter_id, LetterState.handled, complaint_id=complaint_id, language=language)
        log.info("letter %s answered with %s", _ref(letter.message_id), _ref(out.message_id))
        return Outcome.handled

    def _send(self, out: OutLetter) -> None:
        for attempt in range(1, SMTP_TRIES + 1):
            try:
                self.mailer.send(out)
                return
            except SmtpFailure as exc:
                if exc.permanent or attempt == SMTP_TRIES:
                    raise
                time.sleep(SMTP_BACKOFF_SECONDS * attempt)  # a short wait for a busy relay, not a timing assertion

    def _store_files(
        self, session: Session, letter: Letter, conversation_id: str, complaint: Complaint | None
    ) -> tuple[int, int]:
        """Each file under the conversation (linked to the complaint at registration, or at once
        when the thread already has one); (stored, refused as too large)."""
        stored = refused = 0
        for part in letter.files:
            try:
                add_attachment(
                    session=session,
                    source=io.BytesIO(part.data),
                    filename=part.filename,
                    declared_type=part.content_type,
                    directory=self.settings.attachments_dir,
                    max_bytes=self.settings.attachment_max_bytes,
                    conversation_id=conversation_id,
                    channel=Channel.email,
                    complaint_id=complaint.id if complaint else None,
                    uploaded_by="email",
                    now=utcnow(),
                )
                stored += 1
            except AttachmentTooLarge:
                refused += 1
                log.info("attachment of letter %s not stored: file too large", _ref(letter.message_id))
        return stored, refused + letter.files_dropped

    def _decision(self, complaint: Complaint | None) -> tuple[str, str] | None:
        """(tracking number, the decision's text) when the letter answers a resolved complaint."""
        if complaint is None or complaint.status != ComplaintStatus.resolved:
            return None
        change = next(
            (
                entry
                for entry in reversed(complaint.history)
                if entry.kind == HistoryKind.status and entry.status == ComplaintStatus.resolved
            ),
            None,
        )
        payload: dict[str, Any] = decision_payload(change, NotificationKind.decision) if change else {}
        text = decision_text(payload, self.policies[complaint.policy], Language(complaint.language))
        return complaint.tracking_number, text

    def _registered(self, tracking_number: Any, conversation_id: str, thread: service.Thread) -> tuple[int, str] | None:
        """The complaint the turn's slots name, when this conversation registered it: the
        thread's letters belong to it from now on."""
        if not isinstance(tracking_number, str) or not tracking_number:
            return None
        with Session(self.engine) as session:
            complaint = service.complaint_of_conversation(
                session=session, tracking_number=tracking_number, conversation_id=conversation_id
            )
            if complaint is None or complaint.id is None:
                return None
            service.link_complaint(
                session=session, thread=thread.thread, conversation_id=conversation_id, complaint_id=complaint.id
            )
            return complaint.id, complaint.tracking_number

    def _finish(self, letter_id: int, state: LetterState, **values: Any) -> None:
        with Session(self.engine) as session:
            if not service.finish(
                session=session, letter_id=letter_id, worker=self.worker, state=state, now=utcnow(), **values
            ):
                log.warning("letter row %s was taken over by another reader before its outcome was written", letter_id)


def _ref(message_id: str) -> str:
    """A Message-ID in logs: a digest (the left part may hold an address)."""
    return hashlib.sha256(message_id.encode()).hexdigest()[:12]
