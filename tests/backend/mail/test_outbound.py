"""POST /api/mail/outbound: a bot message outside a letter's turn (an agent's, through Rasa)
leaves as one threaded letter; 404 for a conversation that never wrote, 401/403 without service
rights, 422 for a bad body, 503 with Retry-After when SMTP does not take it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from backend.app.mail.models import Direction
from contract.conversation_ids import email_conversation
from tests.backend.mail.conftest import CUSTOMER, MailWorld, letter
from tests.support.net import free_port

pytestmark = pytest.mark.integration  # dovecot: make test installs it (make dovecot)

CONVERSATION = email_conversation(CUSTOMER)
MESSAGES = [
    {"text": "Bună ziua, sunt Ana de la serviciul clienți.", "buttons": [{"title": "Da", "payload": "/affirm"}]}
]


def test_a_bot_message_goes_out_in_the_thread(mail: MailWorld, client: Any, service_headers: dict[str, str]) -> None:
    raw, their_id = letter()
    mail.dovecot.deliver(raw)
    mail.read_once()
    [answer] = mail.smtp.messages

    response = client.post(
        "/api/mail/outbound", json={"conversation_id": CONVERSATION, "messages": MESSAGES}, headers=service_headers
    )

    assert response.status_code == 200, response.text
    sent = mail.smtp.messages[-1]
    assert response.json() == {"message_id": sent["Message-ID"]}
    assert sent["To"] == CUSTOMER and sent["Subject"] == "Re: Invertor defect"
    assert sent["In-Reply-To"] == answer["Message-ID"]
    assert sent["References"].split() == [their_id, answer["Message-ID"]]
    assert sent.get_content().replace("\r\n", "\n").strip() == (
        "Bună ziua, sunt Ana de la serviciul clienți.\nRăspundeți cu una dintre variante: Da"
    )
    last = mail.rows()[-1]
    assert (last.direction, last.message_id, last.conversation_id) == (
        Direction.outbound,
        sent["Message-ID"],
        CONVERSATION,
    )


def test_a_conversation_that_never_wrote_is_404(mail: MailWorld, client: Any, service_headers: dict[str, str]) -> None:
    response = client.post(
        "/api/mail/outbound",
        json={"conversation_id": email_conversation("x@y.example"), "messages": MESSAGES},
        headers=service_headers,
    )
    assert response.status_code == 404 and mail.smtp.messages == []


def test_service_rights_are_needed(mail: MailWorld, client: Any, agent_headers: dict[str, str]) -> None:
    body = {"conversation_id": CONVERSATION, "messages": MESSAGES}
    assert client.post("/api/mail/outbound", json=body).status_code == 401
    assert client.post("/api/mail/outbound", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.post("/api/mail/outbound", json=body, headers=agent_headers).status_code == 403
    assert mail.smtp.messages == []


@pytest.mark.parametrize(
    "body",
    [
        {"conversation_id": CONVERSATION},
        {"conversation_id": CONVERSATION, "messages": []},
        {"conversation_id": "tg:12345", "messages": MESSAGES},
        {"conversation_id": CONVERSATION, "messages": [{"text": "x", "buttons": [{"payload": "/affirm"}]}]},
        {"messages": MESSAGES},
    ],
)
def test_a_bad_body_is_422(mail: MailWorld, client: Any, service_headers: dict[str, str], body: dict[str, Any]) -> None:
    assert client.post("/api/mail/outbound", json=body, headers=service_headers).status_code == 422


def test_smtp_down_is_503_with_retry_after(mail: MailWorld, client: Any, service_headers: dict[str, str]) -> None:
    mail.dovecot.deliver(letter()[0])
    mail.read_once()
    rows_before = len(mail.rows())
    mail.app.state.settings = mail.settings.model_copy(
        update={"smtp_url": SecretStr(f"smtp://127.0.0.1:{free_port()}")}
    )

    response = client.post(
        "/api/mail/outbound", json={"conversation_id": CONVERSATION, "messages": MESSAGES}, headers=service_headers
    )

    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert len(mail.rows()) == rows_before  # nothing recorded as sent
