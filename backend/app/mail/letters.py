"""One raw RFC 5322 letter read into a `Letter`: who wrote it, in which thread, what they wrote
this time (quotes.py), its files, and what kind of letter it is (only a customer's own letter
gets an answer: RFC 3834 auto-replies, delivery reports and mailing-list mail never do)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from enum import StrEnum

from inscriptis import get_text

from backend.app.mail.quotes import new_text

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# A Message-ID written by our own From domain would be "<digest@...>": this marks ours apart.
SYNTHETIC_DOMAIN = "synthesised.invalid"
_AUTO_PRECEDENCE = {"auto_reply", "bulk", "junk", "list"}
_BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@")


class LetterKind(StrEnum):
    customer = "customer"
    auto_reply = "auto_reply"
    bounce = "bounce"
    mailing_list = "mailing_list"


@dataclass(frozen=True)
class FilePart:
    filename: str | None
    content_type: str
    data: bytes = field(repr=False)


@dataclass
class Letter:
    message_id: str  # with its angle brackets, as in the header
    in_reply_to: str | None
    references: list[str]
    address: str | None  # the sender's, lower case
    name: str | None  # the sender's display name
    subject: str
    text: str = field(repr=False)  # the new text only
    files: list[FilePart] = field(default_factory=list, repr=False)
    kind: LetterKind = LetterKind.customer
    size: int = 0
    # Over MAIL_MAX_BYTES: its files are not kept (`files_dropped` of them) and the answer says so.
    too_large: bool = False
    files_dropped: int = 0
    language: str | None = None  # Content-Language, when the mail program wrote one

    @property
    def thread_ids(self) -> list[str]:
        """The earlier letters this one answers, oldest first (References, then In-Reply-To)."""
        ids = list(self.references)
        if self.in_reply_to and self.in_reply_to not in ids:
            ids.append(self.in_reply_to)
        return ids


def parse(raw: bytes, *, max_bytes: int) -> Letter:
    """Reads a letter; never raises for a malformed one (what cannot be read stays empty)."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    name, address = _sender(message)
    too_large = len(raw) > max_bytes
    files = _files(message)
    return Letter(
        message_id=_first_id(_header(message, "Message-ID")) or _synthetic_id(raw),
        in_reply_to=_first_id(_header(message, "In-Reply-To")),
        references=_MESSAGE_ID.findall(_header(message, "References")),
        address=address,
        name=name,
        subject=" ".join(_header(message, "Subject").split()),
        text=new_text(_body_text(message)),
        files=[] if too_large else files,
        kind=kind_of(message, address),
        size=len(raw),
        too_large=too_large,
        files_dropped=len(files) if too_large else 0,
        language=(_header(message, "Content-Language").split(",")[0].strip()[:2].lower() or None),
    )


def kind_of(message: EmailMessage, address: str | None) -> LetterKind:
    """Delivery reports first (they often carry Auto-Submitted too), then auto-replies, then lists."""
    if message.get_content_type() == "multipart/report" and (
        (message.get_param("report-type") or "").lower() == "delivery-status"  # type: ignore[union-attr]
    ):
        return LetterKind.bounce
    if _header(message, "Return-Path").replace(" ", "") == "<>":  # the null sender of RFC 5321 4.5.5
        return LetterKind.bounce
    if address and address.startswith(_BOUNCE_SENDERS):
        return LetterKind.bounce
    auto_submitted = _header(message, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return LetterKind.auto_reply
    if message.get("X-Autoreply") is not None or message.get("X-Autorespond") is not None:
        return LetterKind.auto_reply
    if _header(message, "Precedence").strip().lower() in _AUTO_PRECEDENCE:
        return LetterKind.auto_reply
    if message.get("List-Id") is not None or message.get("List-Unsubscribe") is not None:
        return LetterKind.mailing_list
    return LetterKind.customer


# --- the parts ------------------------------------------------------------------------------------


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a header the parser cannot make sense of
        return ""
    return str(value) if value is not None else ""


def _first_id(value: str) -> str | None:
    found = _MESSAGE_ID.search(value)
    return found.group(0) if found else None


def _synthetic_id(raw: bytes) -> str:
    """A letter without Message-ID is named by its bytes, so the same letter read twice is one."""
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@{SYNTHETIC_DOMAIN}>"


def _sender(message: EmailMessage) -> tuple[str | None, str | None]:
    header = message.get("From")
    try:
        addresses = list(header.addresses) if header is not None else []  # type: ignore[attr-defined]
    except (AttributeError, ValueError, IndexError):
        addresses = []
    if addresses and addresses[0].addr_spec and "@" in addresses[0].addr_spec:
        return addresses[0].display_name or None, addresses[0].addr_spec.strip().lower()
    # A header the strict parser refused: the older, lenient one.
    name, address = parseaddr(_header(message, "From"))
    if "@" not in address:
        found = getaddresses([_header(message, "From")])
        address = next((spec for _name, spec in found if "@" in spec), "")
    return (name or None), (address.strip().lower() or None)


def _body_text(message: EmailMessage) -> str:
    """The plain-text body; an HTML-only letter read as text (inscriptis keeps the layout's lines)."""
    try:
        body = message.get_body(preferencelist=("plain", "html"))
    except (KeyError, LookupError):
        body = None
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError, AssertionError):  # an unknown charset or a broken encoding
        payload = body.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload)
    if not isinstance(content, str):
        return ""
    if body.get_content_type() == "text/html":
        return get_text(content)
    return content


def _files(message: EmailMessage) -> list[FilePart]:
    """Every attached file (named parts and parts marked as attachments), not the text bodies."""
    try:
        body = message.get_body(preferencelist=("plain", "html"))
    except (KeyError, LookupError):
        body = None
    files = []
    for part in message.walk():
        if part.is_multipart() or part is body or part is message and not message.is_multipart():
            continue
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        if disposition != "attachment" and not filename:
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            continue
        files.append(FilePart(filename=filename, content_type=part.get_content_type(), data=data))
    return files
