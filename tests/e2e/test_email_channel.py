"""The e-mail channel end to end: a customer's letters delivered to a real IMAP server (dovecot on
loopback), read by the backend (IDLE), answered by the real assistant (rasa server and action
server), the answers and the notifications caught by the SMTP sink."""

from __future__ import annotations

import re
import time
import uuid
from email.message import EmailMessage
from email.utils import make_msgid

import httpx

from contract.tracking import IN_REPLY
from tests.e2e.conftest import COMPANY_ADDRESS
from tests.support.stack import AGENT_TOKEN

AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}


def letter(sender, subject, body, *, reply_to=None):
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = COMPANY_ADDRESS
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="example.ro")
    if reply_to is not None:
        mail["In-Reply-To"] = reply_to["Message-ID"]
        mail["References"] = f"{reply_to.get('References', '')} {reply_to['Message-ID']}".strip()
    mail.set_content(body)
    return mail


def letters_to(sink, address):
    return [m for m in sink.messages if address in str(m["To"])]


def wait_for_letters(sink, address, count, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = letters_to(sink, address)
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{len(letters_to(sink, address))} letter(s) to the customer, {count} expected")


def body(mail):
    return mail.get_body(preferencelist=("plain",)).get_content()


def wait_for_status(stack, tn, status, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.complaint(tn)["status"] == status:
            return
        time.sleep(0.3)
    raise AssertionError(f"{tn} is {stack.complaint(tn)['status']}, not {status}")


def test_a_romanian_letter_about_an_inverter_from_first_letter_to_a_disputed_decision(stack, mailbox, smtp_sink):
    customer = f"client.{uuid.uuid4().hex[:8]}@example.ro"
    first = letter(
        customer,
        "Invertor defect",
        "Bună ziua,\n\nInvertorul meu Huawei SUN2000-5KTL-L1 afișează eroarea 2001 de o săptămână și nu mai "
        "produce curent, deși panourile sunt curate.\n\nVă mulțumesc",
    )
    mailbox.deliver(first.as_bytes())

    # One answer, in the thread, asking in one letter for exactly what is missing.
    [answer] = wait_for_letters(smtp_sink, customer, 1)
    assert answer["In-Reply-To"] == first["Message-ID"]
    assert answer["Subject"] == "Re: Invertor defect"
    asked = body(answer)
    assert "Nume și prenume" in asked and "Număr de serie" in asked and "(dacă există)" in asked
    assert "Model invertor" not in asked and "serviciul" not in asked  # the model and the kind were given
    time.sleep(3)
    assert len(letters_to(smtp_sink, customer)) == 1  # one letter, not one per question

    # The reply, with the quoted letter and a signature, completes it: the summary comes back.
    quoted = "\n".join(f"> {line}" for line in asked.splitlines())
    reply = letter(
        customer,
        f"Re: {answer['Subject']}",
        "Bună ziua,\n\nMă numesc Ion Popescu.\nSeria: SN-22070 12345\n\n-- \nIon Popescu\nTel. 0722 000 000\n\n"
        f"În lun., 7 dec. 2026 la 10:00, Reclamații <{COMPANY_ADDRESS}> a scris:\n{quoted}\n",
        reply_to=answer,
    )
    mailbox.deliver(reply.as_bytes())
    summary = wait_for_letters(smtp_sink, customer, 2)[1]
    assert summary["In-Reply-To"] == reply["Message-ID"]
    text = body(summary)
    assert "Ion Popescu" in text and "2207012345" in text.replace(" ", "") and "SUN2000-5KTL-L1" in text
    assert "0722" not in text  # the signature is not read as an answer

    # "Da": registered, the tracking number in the subject.
    confirm = letter(
        customer, f"Re: {summary['Subject']}", "Da\n\n" + "> " + text.replace("\n", "\n> "), reply_to=summary
    )
    mailbox.deliver(confirm.as_bytes())
    registered = wait_for_letters(smtp_sink, customer, 3)[2]
    found = IN_REPLY.search(registered["Subject"])
    assert found, registered["Subject"]
    tn = found.group(0)
    assert tn in body(registered)
    complaint = stack.complaint(tn)
    assert complaint["channel"] == "email" and complaint["policy"] == "inverter_eu"
    assert complaint["full_name"] == "Ion Popescu" and complaint["email"] == customer
    assert complaint["complaint_category"] == "product" and "eroarea 2001" in complaint["complaint_text"]
    assert "Bună ziua" not in complaint["complaint_text"]

    # The agent's decision arrives in the same thread.
    r = httpx.post(
        f"{stack.backend_url}/api/complaints/{tn}/status",
        json={"status": "resolved", "note": "Am verificat jurnalul invertorului: eroarea vine de la rețea."},
        headers=AGENT,
        timeout=30,
    )
    assert r.status_code == 200, r.text
    decision = wait_for_letters(smtp_sink, customer, 4)[3]
    assert tn in decision["Subject"]
    assert first["Message-ID"] in decision["References"]
    assert "eroarea vine de la rețea" in body(decision)

    # "Nu sunt de acord" in reply to it reopens the complaint.
    disagree = letter(customer, f"Re: {decision['Subject']}", "Nu sunt de acord.\n\nIon Popescu", reply_to=decision)
    mailbox.deliver(disagree.as_bytes())
    wait_for_status(stack, tn, "reopened")
    reopened = wait_for_letters(smtp_sink, customer, 5)[4]
    assert reopened["In-Reply-To"] == disagree["Message-ID"]
    assert reopened["Subject"] == f"[{tn}] Re: Invertor defect"  # one Re:, one number, however deep the thread
    assert re.search(r"\S", body(reopened))

    # An agent writes from the console: a letter in the thread; the customer's answer reaches
    # the conversation the agent now holds, and the bot does not answer it.
    r = httpx.post(
        f"{stack.backend_url}/api/complaints/{tn}/messages",
        json={"text": "Vă rugăm să ne trimiteți o fotografie a ecranului invertorului."},
        headers=AGENT,
        timeout=30,
    )
    assert r.status_code == 201, r.text
    from_agent = wait_for_letters(smtp_sink, customer, 6)[5]
    assert from_agent["Subject"] == f"[{tn}] Re: Invertor defect"
    assert first["Message-ID"] in from_agent["References"]
    assert "fotografie a ecranului" in body(from_agent)
    answer_to_agent = letter(customer, f"Re: {from_agent['Subject']}", "O trimit mâine dimineață.", reply_to=from_agent)
    mailbox.deliver(answer_to_agent.as_bytes())
    conversation = stack.complaint(tn)["conversation_id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = httpx.get(f"{stack.backend_url}/api/conversations/{conversation}/messages", headers=AGENT, timeout=10)
        if any(m["role"] == "user" and "O trimit mâine" in m["text"] for m in r.json()):
            break
        time.sleep(0.3)
    else:
        raise AssertionError("the customer's answer did not reach the conversation")
    time.sleep(2)
    assert len(letters_to(smtp_sink, customer)) == 6  # an agent holds it: the bot stays silent
