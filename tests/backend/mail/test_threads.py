"""Threads: our answer carries the tracking number once the conversation registered a complaint;
a later notification (EmailSender) goes in the same thread; the customer's reply to it reaches
the complaint, and for a resolved complaint the decision's context reaches Rasa before the turn.
Erasure takes the address off the letters' rows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from backend.app.complaints.models import Complaint
from backend.app.mail.models import Direction
from backend.app.notifications.outgoing import Outgoing
from backend.app.notifications.senders import EmailSender
from contract.conversation_ids import email_conversation
from tests.backend.mail.conftest import CUSTOMER, OURS, MailWorld, letter

pytestmark = pytest.mark.integration  # dovecot: make test installs it (make dovecot)

CONVERSATION = email_conversation(CUSTOMER)


@pytest.fixture
def registered(mail: MailWorld, register: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """An inverter complaint this e-mail conversation registered; Rasa's turn names it."""
    complaint = register("inverter_eu", conversation_id=CONVERSATION, email=CUSTOMER, channel="email")
    mail.rasa.reply = lambda sender, message, metadata: {
        "messages": [
            {"text": f"Sesizarea a fost înregistrată: {complaint['tracking_number']}, PIN {complaint['pin']}."}
        ],
        "slots": {"language": "ro", "tracking_number": complaint["tracking_number"], "awaiting": None},
    }
    return complaint


def notify(mail: MailWorld, tracking_number: str, key: str = "notif-1") -> None:
    outgoing = Outgoing(
        notification_id=1,
        key=key,
        kind="decision",
        template="decision",
        language="ro",
        tracking_number=tracking_number,
        subject=f"Decizie privind sesizarea {tracking_number}",
        text="Decizia noastră: invertorul se înlocuiește.",
        rasa_intent="EXTERNAL_decision",
        entities={},
        email=CUSTOMER,
    )
    asyncio.run(EmailSender(mail.settings, mail.engine).send(outgoing))


def test_the_answer_and_later_notices_stay_in_one_thread_with_the_tracking_number(
    mail: MailWorld, registered: dict[str, Any]
) -> None:
    number = registered["tracking_number"]
    raw, first_id = letter()
    mail.dovecot.deliver(raw)
    mail.read_once()

    [answer] = mail.smtp.messages
    assert answer["Subject"] == f"[{number}] Re: Invertor defect"
    assert {row.complaint_id for row in mail.rows()} == {_complaint_id(mail, number)}

    notify(mail, number)
    notice = mail.smtp.messages[-1]
    assert notice["Message-ID"] == f"<notif-1@{OURS.split('@')[1]}>"
    assert notice["In-Reply-To"] == answer["Message-ID"]
    assert notice["References"].split() == [first_id, answer["Message-ID"]]
    assert notice["Subject"] == f"[{number}] Re: Invertor defect"
    assert notice.get_content().strip() == "Decizia noastră: invertorul se înlocuiește."
    rows = mail.rows()
    assert rows[-1].direction == Direction.outbound and rows[-1].message_id == notice["Message-ID"]
    assert len({row.thread for row in rows}) == 1


def test_a_reply_to_a_decision_reaches_the_complaint_with_the_decision_context(
    mail: MailWorld, registered: dict[str, Any], client: Any, agent_headers: dict[str, str]
) -> None:
    number = registered["tracking_number"]
    note = "Invertorul se înlocuiește pe garanție."
    response = client.post(
        f"/api/complaints/{number}/status", json={"status": "resolved", "note": note}, headers=agent_headers
    )
    assert response.status_code == 200, response.text
    notify(mail, number, key="decision-1")  # a complaint without letters yet: the notice starts the thread
    decision = mail.smtp.messages[-1]
    assert decision["In-Reply-To"] is None

    mail.rasa.reply = lambda sender, message, metadata: {
        "messages": [{"text": "Am înțeles."}],
        "slots": {"language": "ro"},
    }
    raw, _ = letter(
        "Nu sunt de acord.\n\nÎn dum., 6 dec. 2026 la 10:00, Reclamații <r@x.ro> a scris:\n> Decizia",
        subject=f"Re: {decision['Subject']}",
        in_reply_to=decision["Message-ID"],
        references=[decision["Message-ID"]],
    )
    mail.dovecot.deliver(raw)
    mail.read_once()

    kinds = [request["kind"] for request in mail.rasa.requests]
    assert kinds == ["events", "email"]  # the context first, then the turn
    assert mail.rasa.slots[CONVERSATION] == {
        "decision_tracking_number": number,
        "decision_text": note,
        "awaiting": "decision",
    }
    assert mail.rasa.turns()[0]["message"] == "Nu sunt de acord."
    inbound = [row for row in mail.rows() if row.direction == Direction.inbound]
    assert [row.complaint_id for row in inbound] == [_complaint_id(mail, number)]
    assert mail.smtp.messages[-1]["Subject"] == f"[{number}] Re: {decision['Subject']}"


def test_a_letter_of_another_sender_in_the_thread_is_not_given_the_complaint(
    mail: MailWorld, registered: dict[str, Any]
) -> None:
    number = registered["tracking_number"]
    notify(mail, number)
    notice = mail.smtp.messages[-1]
    mail.rasa.reply = lambda sender, message, metadata: {
        "messages": [{"text": "Bună ziua"}],
        "slots": {"language": "ro"},
    }
    raw, _ = letter(sender="someone@else.example", in_reply_to=notice["Message-ID"], subject=f"Re: [{number}] x")
    mail.dovecot.deliver(raw)
    mail.read_once()
    inbound = [row for row in mail.rows() if row.direction == Direction.inbound]
    assert [row.complaint_id for row in inbound] == [None]
    assert [request["kind"] for request in mail.rasa.requests] == ["email"]


def test_erasure_takes_the_address_off_the_letters(
    mail: MailWorld, registered: dict[str, Any], client: Any, admin_headers: dict[str, str]
) -> None:
    mail.dovecot.deliver(letter()[0])
    mail.read_once()
    assert {row.address for row in mail.rows()} == {CUSTOMER}

    response = client.post("/api/privacy/erase", json={"email": CUSTOMER}, headers=admin_headers)
    assert response.status_code == 200, response.text

    rows = mail.rows()
    assert len(rows) == 2 and {row.address for row in rows} == {None} and {row.subject for row in rows} == {None}
    # the same letter read again is still known (no second answer)
    mail.dovecot.deliver(letter(message_id=rows[0].message_id)[0])
    mail.read_once()
    assert len(mail.smtp.messages) == 1


def _complaint_id(mail: MailWorld, number: str) -> int:
    with Session(mail.engine) as session:
        from sqlmodel import select

        complaint = session.exec(select(Complaint).where(Complaint.tracking_number == number)).one()
        assert complaint.id is not None
        return complaint.id
