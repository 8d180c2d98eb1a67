"""A customer's personal data: find it, export it, erase it (keyword-only data functions).

Erasure keeps each complaint row with its policy, status, channel, language, category,
dates and deadlines (the statistics), and takes away the person: name, contacts, free texts,
identifiers that lead back to them, their files, and their personal data inside the notes of
the history."""

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
import sqlalchemy as sa
from sqlmodel import Session, col, select

from backend.app.attachments.models import Attachment
from backend.app.attachments.service import remove_files
from backend.app.complaints.models import Complaint, HistoryKind
from backend.app.complaints.service import history_entry
from backend.app.conversations.service import erase_conversations, kept_conversations
from backend.app.mail.service import scrub as scrub_letters
from backend.app.policies.profile import PolicyProfile, normalise_phone
from backend.app.privacy import rasa_tracker
from contract.conversation_ids import email_conversation

ERASED = "[erased]"
# Free texts are replaced by the marker; identifiers and contacts become empty.
_REPLACED_FIELDS = ("full_name", "staff_member", "complaint_text", "solution_idea")
_CLEARED_FIELDS = (
    "phone",
    "email",
    "serial_number",
    "ticket_number",
    "conversation_id",
    "idempotency_key",
    "request_fingerprint",
)
_SEPARATORS = r"[\s\-.()/]*"


def phone_candidates(raw: str, policies: Mapping[str, PolicyProfile]) -> set[str]:
    """The E.164 forms a typed number may stand for: national numbers are read in the region
    of each policy. ValueError when it is a phone number in none of them."""
    candidates = set()
    for region in sorted({policy.phone_region for policy in policies.values()}):
        try:
            candidates.add(normalise_phone(raw, region))
        except ValueError:
            continue
    if not candidates:
        raise ValueError("not a valid phone number in any policy's region")
    return candidates


def find_complaints(*, session: Session, phones: Iterable[str], email: str | None) -> list[Complaint]:
    conditions = []
    phones = set(phones)
    if phones:
        conditions.append(col(Complaint.phone).in_(phones))
    if email:
        conditions.append(sa.func.lower(col(Complaint.email)) == email.strip().lower())
    if not conditions:
        return []
    statement = select(Complaint).where(sa.or_(*conditions)).order_by(col(Complaint.created_at), col(Complaint.id))
    return list(session.exec(statement).all())


def record_export(*, session: Session, complaints: list[Complaint], actor: str, now: dt.datetime) -> None:
    for complaint in complaints:
        complaint.history.append(history_entry(complaint, HistoryKind.export, "personal data exported", actor, now))
        session.add(complaint)
    session.commit()


@dataclass(frozen=True)
class Erasure:
    tracking_numbers: list[str]
    # Their files deleted once the transaction had committed.
    files_removed: int


def erase(
    *,
    session: Session,
    complaints: list[Complaint],
    extra_phones: Iterable[str],
    extra_email: str | None,
    attachments_dir: Path,
    tracker_url: str | None,
    actor: str,
    now: dt.datetime,
) -> Erasure:
    """Erases the person from these complaints in one transaction; then their files. The
    conversations leave Rasa's tracker store before that transaction commits: when the tracker
    store is away (rasa_tracker.TrackerStoreUnavailable) nothing is erased and the erasure can
    be asked for again."""
    emails = {
        *([extra_email] if extra_email else []),
        *(complaint.email for complaint in complaints if complaint.email),
    }
    scrub = scrubber(
        names=[complaint.full_name for complaint in complaints if complaint.full_name],
        phones={*extra_phones, *(complaint.phone for complaint in complaints if complaint.phone)},
        emails=emails,
    )
    conversations = {complaint.conversation_id for complaint in complaints if complaint.conversation_id}
    files = [attachment for complaint in complaints for attachment in complaint.attachments]
    if conversations:  # files of the same conversations that never reached a complaint
        files += session.exec(
            select(Attachment).where(
                col(Attachment.conversation_id).in_(conversations), col(Attachment.complaint_id).is_(None)
            )
        ).all()
    for complaint in complaints:
        for entry in complaint.history:
            if entry.note:
                entry.note = scrub(entry.note)
        for notification in complaint.notifications:  # texts kept for sending: decision, reasons
            notification.sealed_pin = None
            if notification.payload:
                notification.payload = {
                    key: scrub(value) if isinstance(value, str) else value
                    for key, value in notification.payload.items()
                }
        for field in _REPLACED_FIELDS:
            if getattr(complaint, field) is not None:
                setattr(complaint, field, ERASED)
        for field in _CLEARED_FIELDS:
            setattr(complaint, field, None)
        complaint.erased_at = now
        complaint.updated_at = now
        complaint.history.append(history_entry(complaint, HistoryKind.erasure, "personal data erased", actor, now))
        session.add(complaint)
    for attachment in files:
        session.delete(attachment)
    # The conversations' transcripts: messages deleted, handoffs kept without the person.
    erase_conversations(session=session, conversation_ids=conversations)
    # Their letters' rows keep the ids (a letter read again stays known), not the address.
    scrub_letters(
        session=session,
        conversation_ids=conversations | {email_conversation(email) for email in emails},
        emails=emails,
        complaint_ids=[complaint.id for complaint in complaints if complaint.id is not None],
    )
    rasa_tracker.delete_conversations(tracker_url, conversations)
    session.commit()
    removed = remove_files(attachments_dir, [attachment.storage_key for attachment in files])
    return Erasure(tracking_numbers=[complaint.tracking_number for complaint in complaints], files_removed=removed)


def purge_quiet_trackers(*, session: Session, tracker_url: str | None, before: dt.datetime) -> int:
    """Deletes from Rasa's tracker store the conversations quiet since `before` that the
    transcripts' purge would delete too (no complaint, no open handoff); the rows deleted."""
    quiet = rasa_tracker.quiet_conversations(tracker_url, before)
    gone = set(quiet) - kept_conversations(session=session, conversation_ids=quiet)
    return rasa_tracker.delete_conversations(tracker_url, gone)


# --- scrubbing free text -----------------------------------------------------------------------


def scrubber(*, names: Iterable[str], phones: Iterable[str], emails: Iterable[str]) -> Callable[[str], str]:
    """A function that replaces, in a text, the person's e-mail addresses, phone numbers
    (however they were typed: with or without country code or trunk 0, with spaces, dashes,
    dots or brackets) and names (the whole name and each part of it, in any case)."""
    patterns = [re.escape(email) for email in emails]
    patterns += [_phone_pattern(phone) for phone in phones]
    words = {part for name in names for part in re.findall(r"\w[\w'’-]*", name) if len(part) >= 2}
    patterns += [re.escape(name) for name in names]
    patterns += [rf"(?<!\w){re.escape(word)}(?!\w)" for word in sorted(words, key=len, reverse=True)]
    if not patterns:
        return lambda text: text
    combined = re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)
    return lambda text: combined.sub(ERASED, text)


def _phone_pattern(e164: str) -> str:
    number = phonenumbers.parse(e164, None)
    national = str(number.national_number)
    digits = _SEPARATORS.join(re.escape(digit) for digit in national)
    prefix = rf"(?:(?:(?:\+|00){_SEPARATORS})?{number.country_code}{_SEPARATORS}|0{_SEPARATORS})?"
    return rf"(?<!\d){prefix}{digits}(?!\d)"
