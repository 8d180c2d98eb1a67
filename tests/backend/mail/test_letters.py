"""Reading a letter: the new text only (quotes, reply headers and signatures of Gmail, Outlook,
Thunderbird and Apple Mail in ro, ru, tr, az cut off), HTML-only letters, files, kinds, ids."""

from __future__ import annotations

import pytest

from backend.app.mail.letters import LetterKind, parse
from backend.app.mail.quotes import new_text
from tests.backend.mail.conftest import letter

MB = 1024 * 1024

QUOTED = [
    # Gmail, Romanian
    (
        "Numărul de serie este HV2207012345.\nIon Popescu\n\n"
        "În dum., 6 dec. 2026 la 10:00, Reclamații <r@inverter.example> a scris:\n"
        "> Vă rugăm să ne trimiteți numărul de serie.\n> Mulțumim",
        "Numărul de serie este HV2207012345.\nIon Popescu",
    ),
    # Gmail wraps a long reply header over two lines
    (
        "Numele meu este Ion Popescu\n\nÎn dum., 6 dec. 2026 la 10:00, Reclamații Invertor <\n"
        "r@inverter.example> a scris:\n\n> text",
        "Numele meu este Ion Popescu",
    ),
    # Apple Mail, Romanian, with "Trimis de pe iPhone"
    (
        "Nu sunt de acord\n\nTrimis de pe iPhone\n\n"
        "Pe 6 dec. 2026, la 10:00, Reclamații <r@x.ro> a scris:\n\n> Decizia",
        "Nu sunt de acord",
    ),
    # Outlook, Romanian header block
    (
        "Sunt de acord.\n\nDe la: Reclamații <r@x.ro>\nTrimis: duminică, 6 decembrie 2026 10:00\n"
        "Către: Ion\nSubiect: Re: Invertor\n\nDecizia noastră",
        "Sunt de acord.",
    ),
    # Gmail, Russian (no "wrote" word), "-- " signature
    (
        "Серийный номер HV2207012345\n\n-- \nИван Петров\n+7 900 000 00 00\n\n"
        "вс, 6 дек. 2026 г. в 10:00, Support <s@x.ru>:\n> Пришлите серийный номер",
        "Серийный номер HV2207012345",
    ),
    # Thunderbird, Russian; "Отправлено с iPhone"
    ("Да\n\nОтправлено с iPhone\n\n06.12.2026 10:00, Support пишет:\n> вопрос", "Да"),
    # Gmail, Turkish; "iPhone'umdan gönderildi"
    (
        "Seri numarası HV2207012345\n\niPhone'umdan gönderildi\n\n"
        "6 Ara 2026 Paz 10:00 tarihinde Destek <d@x.com> şunu yazdı:\n> Seri numarasını gönderin",
        "Seri numarası HV2207012345",
    ),
    # Outlook, Turkish
    ("Kabul ediyorum\n\nKimden: Destek\nGönderildi: 6 Aralık 2026\nKime: Ayşe\nKonu: Karar\n\nKarar", "Kabul ediyorum"),
    # Gmail, Azerbaijani; "Hörmətlə" signature
    (
        "Seriya nömrəsi HV2207012345\n\nHörmətlə,\nFərid\n\n"
        "B, 6 dek 2026, saat 10:00 tarixində Dəstək <d@x.az> yazdı:\n> Seriya nömrəsini göndərin",
        "Seriya nömrəsi HV2207012345",
    ),
    # Outlook, English "-----Original Message-----"
    ("I agree.\n\n-----Original Message-----\nFrom: X\nSent: Sunday\nTo: me\nSubject: Re\n\nold", "I agree."),
    # "> " lines only
    ("Hello\n> quoted\n> more", "Hello"),
    ("> only a quote\n> nothing new", ""),
]


@pytest.mark.parametrize(("body", "expected"), QUOTED)
def test_only_the_new_text_is_kept(body: str, expected: str) -> None:
    assert new_text(body) == expected


def test_a_letter_without_quotes_is_kept_whole() -> None:
    body = "Vreau să reclam un invertor SUN2000. Nu pornește.\nMulțumesc"
    assert new_text(body) == body


def test_fields_of_a_letter() -> None:
    raw, message_id = letter(
        "Bună ziua", in_reply_to="<a@x>", references=["<root@x>", "<a@x>"], headers={"Content-Language": "ro-RO"}
    )
    read = parse(raw, max_bytes=MB)
    assert read.message_id == message_id
    assert (read.address, read.name, read.subject) == ("ion.popescu@example.ro", "Ion Popescu", "Invertor defect")
    assert read.in_reply_to == "<a@x>" and read.references == ["<root@x>", "<a@x>"]
    assert read.thread_ids == ["<root@x>", "<a@x>"]
    assert read.language == "ro" and read.kind is LetterKind.customer and not read.too_large


def test_a_letter_without_message_id_is_named_by_its_bytes() -> None:
    raw = b"From: a@b.example\r\nSubject: x\r\n\r\nhello\r\n"
    first, second = parse(raw, max_bytes=MB), parse(raw, max_bytes=MB)
    assert first.message_id == second.message_id and first.message_id.endswith("@synthesised.invalid>")
    assert parse(raw + b"!", max_bytes=MB).message_id != first.message_id


def test_an_html_only_letter_is_read_as_text() -> None:
    html = (
        "<html><body><p>Invertorul <b>SUN2000-5KTL</b> afișează eroarea 2032.</p>"
        "<div>Seria: HV2207012345</div><script>alert(1)</script></body></html>"
    )
    read = parse(letter(html=html)[0], max_bytes=MB)
    assert "Invertorul SUN2000-5KTL afișează eroarea 2032." in read.text
    assert "Seria: HV2207012345" in read.text
    assert "<" not in read.text and "alert" not in read.text


def test_attachments_are_read_with_their_names_and_types() -> None:
    raw, _ = letter(
        files=[("bon.pdf", "application/pdf", b"%PDF-1.4 receipt"), ("foto.jpg", "image/jpeg", b"\xff\xd8x")]
    )
    read = parse(raw, max_bytes=MB)
    assert [(f.filename, f.content_type, f.data) for f in read.files] == [
        ("bon.pdf", "application/pdf", b"%PDF-1.4 receipt"),
        ("foto.jpg", "image/jpeg", b"\xff\xd8x"),
    ]
    assert read.text == "Bună ziua, invertorul SUN2000-5KTL nu pornește."


def test_a_letter_over_the_limit_keeps_its_text_not_its_files() -> None:
    raw, _ = letter("Seria HV2207012345", files=[("mare.bin", "application/octet-stream", b"x" * (2 * MB))])
    read = parse(raw, max_bytes=MB)
    assert read.too_large and read.files == [] and read.files_dropped == 1
    assert read.text == "Seria HV2207012345"


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ({"Auto-Submitted": "auto-replied"}, LetterKind.auto_reply),
        ({"Auto-Submitted": "auto-generated; owner-email=x@y"}, LetterKind.auto_reply),
        ({"Auto-Submitted": "no"}, LetterKind.customer),
        ({"X-Autoreply": "yes"}, LetterKind.auto_reply),
        ({"X-Autorespond": "Out of office"}, LetterKind.auto_reply),
        ({"Precedence": "bulk"}, LetterKind.auto_reply),
        ({"Precedence": "auto_reply"}, LetterKind.auto_reply),
        ({"List-Id": "<news.shop.example>"}, LetterKind.mailing_list),
        ({"List-Unsubscribe": "<mailto:u@shop.example>"}, LetterKind.mailing_list),
        ({"Return-Path": "<>"}, LetterKind.bounce),
    ],
)
def test_kinds(headers: dict[str, str], kind: LetterKind) -> None:
    assert parse(letter(headers=headers)[0], max_bytes=MB).kind is kind


def test_a_delivery_status_report_is_a_bounce() -> None:
    assert parse(dsn(), max_bytes=MB).kind is LetterKind.bounce
    raw, _ = letter(sender="Mail Delivery Subsystem <MAILER-DAEMON@mx.example.ro>")
    assert parse(raw, max_bytes=MB).kind is LetterKind.bounce


def dsn(message_id: str = "<dsn-1@mx.example.ro>") -> bytes:
    """A delivery status notification as Postfix writes it (RFC 3464)."""
    return (
        "From: MAILER-DAEMON@mx.example.ro (Mail Delivery System)\r\n"
        "To: reclamatii@inverter.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {message_id}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.ro\r\n\r\n"
        "Final-Recipient: rfc822; nobody@example.ro\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--B--\r\n"
    ).encode()


def test_the_answer_subject_keeps_one_re_and_one_tracking_number() -> None:
    from backend.app.mail.compose import reply_subject

    stacked = "Re: [3GUK-4VKS] RE: Re: Invertor defect"
    assert reply_subject(stacked, "ro", "3GUK-4VKS") == "[3GUK-4VKS] Re: Invertor defect"
    assert reply_subject("Invertor defect", "ro", None) == "Re: Invertor defect"
