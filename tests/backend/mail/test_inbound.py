"""Letters through the real mailbox (dovecot on loopback) to the loopback rasa server and back
through the SMTP sink: one answer per customer letter, threaded; auto-replies, bounces and list
mail never answered; a 20 MB letter answered with the limit; the same letter read twice
(a reader stopped before \\Seen, two readers on one mailbox) answered once; Rasa away: kept."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from backend.app.mail.inbound import Outcome
from backend.app.mail.models import Direction, LetterState
from tests.backend.mail.conftest import CUSTOMER, MailWorld, letter
from tests.backend.mail.test_letters import dsn
from tests.support.dovecot import Dovecot

pytestmark = pytest.mark.integration  # dovecot: make test installs it (make dovecot)

MB = 1024 * 1024


def test_a_letter_gets_one_threaded_answer_from_all_the_bot_messages(mail: MailWorld) -> None:
    mail.rasa.reply = lambda sender, message, metadata: {
        "messages": [
            {"text": "Mulțumim! Mai avem nevoie de numărul de serie și de numele dumneavoastră."},
            {
                "text": "Este corect modelul SUN2000-5KTL?",
                "buttons": [{"title": "Da", "payload": "/affirm"}, {"title": "Nu", "payload": "/deny"}],
            },
        ],
        "slots": {"language": "ro", "tracking_number": None, "awaiting": None},
    }
    raw, message_id = letter(references=["<old@mail.example.ro>"], in_reply_to="<old@mail.example.ro>")
    mail.dovecot.deliver(raw)

    assert mail.read_once() == 1

    [turn] = mail.rasa.turns()
    assert turn["sender"].startswith("em:") and turn["message"] == "Bună ziua, invertorul SUN2000-5KTL nu pornește."
    assert turn["metadata"] == {
        "email": CUSTOMER,
        "name": "Ion Popescu",
        "subject": "Invertor defect",
        "message_id": message_id,
        "attachments": 0,
        "language_hint": None,
        "policy": "inverter_eu",  # the mailbox's (IMAP_POLICY): the action server asks what it needs
    }
    [answer] = mail.smtp.messages
    assert answer["To"] == CUSTOMER and answer["Subject"] == "Re: Invertor defect"
    assert answer["In-Reply-To"] == message_id
    assert answer["References"].split() == ["<old@mail.example.ro>", message_id]
    assert answer["Auto-Submitted"] == "auto-replied" and answer["Content-Language"] == "ro"
    body = answer.get_content()
    assert "numărul de serie" in body and "Este corect modelul SUN2000-5KTL?" in body
    assert "Răspundeți cu una dintre variante: Da / Nu" in body
    assert mail.dovecot.unseen() == 0
    inbound, outbound = mail.rows()
    assert (inbound.direction, inbound.state, inbound.thread) == (
        Direction.inbound,
        LetterState.handled,
        "<old@mail.example.ro>",
    )
    assert (outbound.direction, outbound.message_id, outbound.thread) == (
        Direction.outbound,
        answer["Message-ID"],
        inbound.thread,
    )


def test_files_are_stored_for_the_conversation(mail: MailWorld, client: Any, agent_headers: dict[str, str]) -> None:
    raw, _ = letter("", files=[("bon.pdf", "application/pdf", b"%PDF-1.4 receipt")])
    mail.dovecot.deliver(raw)
    mail.read_once()
    [turn] = mail.rasa.turns()
    assert turn["message"] == "" and turn["metadata"]["attachments"] == 1
    stored = list(mail.settings.attachments_dir.rglob("*"))
    assert [path.read_bytes() for path in stored if path.is_file()] == [b"%PDF-1.4 receipt"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (letter(subject="Out of office", headers={"Auto-Submitted": "auto-replied"})[0], "auto_reply"),
        (letter(headers={"X-Autoreply": "yes"})[0], "auto_reply"),
        (dsn(), "bounce"),
        (
            letter(headers={"List-Id": "<news.shop.example>", "List-Unsubscribe": "<mailto:u@shop.example>"})[0],
            "mailing_list",
        ),
    ],
    ids=["auto-submitted", "x-autoreply", "bounce", "mailing-list"],
)
def test_auto_replies_bounces_and_list_mail_are_never_answered(mail: MailWorld, raw: bytes, reason: str) -> None:
    mail.dovecot.deliver(raw)
    mail.dovecot.deliver(raw)  # and the same one again: still one row, still no answer
    assert mail.read_once() == 2
    assert mail.rasa.turns() == [] and mail.smtp.messages == []
    [row] = mail.rows()
    assert (row.state, row.reason) == (LetterState.ignored, reason)
    assert mail.dovecot.unseen() == 0


def test_an_html_only_letter_reaches_the_assistant_as_text(mail: MailWorld) -> None:
    mail.dovecot.deliver(letter(html="<p>Invertorul <b>SUN2000-5KTL</b> nu pornește.</p><p>Ion Popescu</p>")[0])
    mail.read_once()
    [turn] = mail.rasa.turns()
    assert turn["message"] == "Invertorul SUN2000-5KTL nu pornește.\n\nIon Popescu"
    assert len(mail.smtp.messages) == 1


def test_a_20_mb_letter_is_read_and_answered_with_the_limit(mail: MailWorld) -> None:
    photo = bytes(range(256)) * (20 * MB // 256)
    raw, _ = letter("Seria HV2207012345, poza atașată.", files=[("poza.jpg", "image/jpeg", photo)])
    assert len(raw) > 20 * MB
    mail.dovecot.deliver(raw)

    mail.read_once()

    [turn] = mail.rasa.turns()
    assert turn["message"] == "Seria HV2207012345, poza atașată." and turn["metadata"]["attachments"] == 0
    assert not [path for path in mail.settings.attachments_dir.rglob("*") if path.is_file()]
    [answer] = mail.smtp.messages
    assert "depășește limita de 10 MB: atașamentele nu au fost salvate" in answer.get_content()
    assert mail.dovecot.unseen() == 0


def test_a_reader_stopped_before_seen_leaves_it_for_the_next_which_does_not_answer_again(mail: MailWorld) -> None:
    mail.dovecot.deliver(letter()[0])
    flow = mail.flow()

    def killed_before_store(raw: bytes) -> Outcome:
        flow.handle(raw)  # handled and answered...
        raise ConnectionResetError("reader killed before STORE \\Seen")

    with pytest.raises(ConnectionResetError):
        mail.read_once(mail.reader(handle=killed_before_store))
    assert mail.dovecot.unseen() == 1 and len(mail.smtp.messages) == 1

    assert mail.read_once() == 1  # the next reader (a restart) reads it again
    assert len(mail.smtp.messages) == 1 and len(mail.rasa.turns()) == 1
    [inbound, _answer] = mail.rows()
    assert inbound.duplicates == 1 and mail.dovecot.unseen() == 0


def test_two_readers_on_one_mailbox_answer_each_letter_once(mail: MailWorld) -> None:
    ids = []
    for number in range(6):
        raw, message_id = letter(f"Scrisoarea {number}", sender=f"c{number}@example.ro")
        mail.dovecot.deliver(raw)
        ids.append(message_id)
    first, second = mail.reader(mail.flow()), mail.reader(mail.flow())

    async def both() -> list[int]:
        await asyncio.gather(first.connect(), second.connect())
        try:
            return list(await asyncio.gather(first.read_unseen(), second.read_unseen()))
        finally:
            await asyncio.gather(first.stop(), second.stop())

    asyncio.run(both())
    assert sorted(message["In-Reply-To"] for message in mail.smtp.messages) == sorted(ids)
    assert sorted(turn["metadata"]["message_id"] for turn in mail.rasa.turns()) == sorted(ids)
    mail.read_once()  # whatever one reader left unseen while the other held it
    assert len(mail.smtp.messages) == 6 and mail.dovecot.unseen() == 0


def test_rasa_away_keeps_the_letter_for_the_next_reading(mail: MailWorld) -> None:
    mail.rasa.fail_turns = 1
    mail.dovecot.deliver(letter()[0])
    assert mail.read_once() == 0
    assert mail.dovecot.unseen() == 1 and mail.smtp.messages == []
    [row] = mail.rows()
    assert row.state == LetterState.pending

    assert mail.read_once() == 1
    assert len(mail.smtp.messages) == 1 and len(mail.rasa.turns()) == 1
    assert mail.rows()[0].state == LetterState.handled and mail.rows()[0].attempts == 2


def test_a_silent_bot_sends_nothing(mail: MailWorld) -> None:
    mail.rasa.reply = lambda sender, message, metadata: {"messages": [], "slots": {"language": "ro"}}
    mail.dovecot.deliver(letter()[0])
    assert mail.read_once() == 1
    assert len(mail.rasa.turns()) == 1 and mail.smtp.messages == []
    assert mail.rows()[0].state == LetterState.handled


def test_the_reader_waits_in_idle_and_answers_a_new_letter(mail: MailWorld) -> None:
    reader = mail.reader()

    async def run() -> None:
        await reader.start()
        try:
            await _until(lambda: reader.client is not None and reader.client.has_pending_idle())
            mail.dovecot.deliver(letter()[0])
            await _until(lambda: len(mail.smtp.messages) == 1)
        finally:
            await reader.stop()

    asyncio.run(run())
    assert len(mail.rasa.turns()) == 1 and mail.dovecot.unseen() == 0


async def _until(condition: Any, timeout: float = 20) -> None:
    """Waits for a condition (the deadline is a failure, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def test_the_dovecot_fixture_fails_without_the_binary(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support import dovecot as support

    monkeypatch.setattr(support, "DOVECOT", tmp_path / "no-dovecot")
    with pytest.raises(support.DovecotMissing, match="make dovecot"):
        Dovecot(tmp_path).start()
