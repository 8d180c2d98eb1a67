"""A customer on WhatsApp (Meta Cloud API) files a complaint with a photo;
the handshake, signatures, receipts and retries behave as Meta expects."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from bot.channels.redaction import log_id
from tests.channels.helpers import WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, rasa_log
from tests.support.conversation import TRACKING, slot
from tests.support.samples import JPEG
from tests.support.whatsapp import meta_sign


def url(stack) -> str:
    return f"{stack.rasa_url}/webhooks/whatsapp/webhook"


def post(stack, body: dict, signature: str | None = "sign") -> httpx.Response:
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        headers["X-Hub-Signature-256"] = meta_sign(WHATSAPP_APP_SECRET, raw)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return httpx.post(url(stack), content=raw, headers=headers, timeout=30)


def say(stack, graph, wa_id: str, message: dict, expect: str | None = None) -> list[dict]:
    """Sends one message; waits until the conversation asks `expect` (or any reply), returns the replies."""
    mark = graph.mark()
    started = time.monotonic()
    r = post(stack, graph.webhook(wa_id, message))
    assert r.status_code == 200 and r.text == "EVENT_RECEIVED"
    assert time.monotonic() - started < 2, "the webhook must answer before the dialogue runs"
    graph.wait_for(lambda q: q.get("kind") == "message" and q["json"]["to"] == wa_id, after=mark, timeout=60)
    deadline = time.monotonic() + 30
    while expect and slot(stack, f"wa:{wa_id}", "requested_slot") != expect and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.3)  # the rest of this turn's replies
    return graph.sent(wa_id, after=mark)


def text(body: str) -> dict:
    return {"type": "text", "text": {"body": body}}


def body_texts(replies: list[dict]) -> str:
    out = []
    for r in replies:
        if r["type"] == "text":
            out.append(r["text"]["body"])
        elif r["type"] == "interactive":
            out.append(r["interactive"]["body"]["text"])
    return "\n".join(out)


def test_customer_files_a_complaint_on_whatsapp_with_a_photo(channel_stack, fakes, customer_number):
    s, graph, wa = channel_stack, fakes["graph"], customer_number

    replies = say(s, graph, wa, text("Здравствуйте, хочу оставить жалобу"), "full_name")
    say(s, graph, wa, text("Мамедова Лейла Рашидовна"), "phone")
    replies = say(s, graph, wa, text("050 111 22 33"), "staff_member")
    buttons = [r for r in replies if r["type"] == "interactive"]
    assert buttons and buttons[-1]["interactive"]["type"] == "button", replies
    choice = buttons[-1]["interactive"]["action"]["buttons"][0]["reply"]
    assert choice == {"id": "/dont_know", "title": "Не знаю"}
    # The customer taps the reply button.
    say(
        s,
        graph,
        wa,
        {"type": "interactive", "interactive": {"type": "button_reply", "button_reply": choice}},
        "complaint_text",
    )
    photo = graph.add_media(JPEG, "image/jpeg")
    replies = say(
        s,
        graph,
        wa,
        {
            "type": "image",
            "image": {
                "caption": "Купила гитару, через неделю треснула дека, в обмене отказали",
                "mime_type": "image/jpeg",
                "sha256": "x",
                "id": photo,
            },
        },
        "confirmed",
    )
    assert "+994501112233" in body_texts(replies)
    assert graph.wait_for(lambda q: q.get("kind") == "download" and q["id"] == photo)

    replies = say(s, graph, wa, text("да"))
    match = TRACKING.search(body_texts(replies))
    assert match, body_texts(replies)
    record = s.complaint(match.group(0))
    assert record["channel"] == "whatsapp" and record["language"] == "ru"
    assert record["phone"] == "+994501112233" and record["staff_member"] is None
    assert [a["content_type"] for a in record["attachments"]] == ["image/jpeg"]


def test_four_language_buttons_become_a_list_and_a_list_reply_switches_language(channel_stack, fakes, customer_number):
    s, graph, wa = channel_stack, fakes["graph"], customer_number
    replies = say(s, graph, wa, text("Здравствуйте"))
    lists = [r for r in replies if r["type"] == "interactive" and r["interactive"]["type"] == "list"]
    assert lists, replies
    rows = lists[0]["interactive"]["action"]["sections"][0]["rows"]
    az = next(row for row in rows if row["title"] == "Azərbaycanca")
    say(s, graph, wa, {"type": "interactive", "interactive": {"type": "list_reply", "list_reply": az}})
    assert slot(s, f"wa:{wa}", "language") == "az"


def test_receipts_duplicates_and_other_numbers_are_not_answered(channel_stack, fakes, customer_number):
    s, graph, wa = channel_stack, fakes["graph"], customer_number
    mark = graph.mark()
    assert post(s, graph.status_webhook(wa)).status_code == 200
    other = graph.webhook(wa, text("Здравствуйте"))
    other["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999999999999999"
    assert post(s, other).status_code == 200
    reaction = graph.webhook(wa, {"type": "reaction", "reaction": {"message_id": "wamid.x", "emoji": "👍"}})
    assert post(s, reaction).status_code == 200
    time.sleep(1.5)
    assert graph.sent(wa, after=mark) == []

    once = graph.webhook(wa, text("Здравствуйте"))
    assert post(s, once).status_code == 200
    assert post(s, once).status_code == 200  # Meta's retry of the same message id
    graph.wait_for(lambda q: q.get("kind") == "message" and q["json"]["to"] == wa, after=mark)
    time.sleep(1.5)
    user_turns = [e for e in s.tracker(f"wa:{wa}")["events"] if e["event"] == "user"]
    assert len(user_turns) == 1


def test_verification_handshake(channel_stack):
    s = channel_stack
    ok = httpx.get(
        url(s),
        params={"hub.mode": "subscribe", "hub.verify_token": WHATSAPP_VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    for token in ("wrong", ""):
        bad = httpx.get(url(s), params={"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1"})
        assert bad.status_code == 403


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "sha1=abc", "forged-with-another-secret"])
def test_unsigned_or_forged_posts_are_refused_and_logged_without_personal_data(
    channel_stack, fakes, customer_number, signature
):
    s, graph, wa = channel_stack, fakes["graph"], customer_number
    body = graph.webhook(wa, text("Меня зовут Гусейнова Айтен, телефон 055 987 65 43"))
    if signature == "forged-with-another-secret":
        signature = meta_sign("not-the-app-secret", json.dumps(body, ensure_ascii=False).encode())
    mark = graph.mark()
    r = post(s, body, signature=signature)
    assert r.status_code == 403
    time.sleep(0.5)
    assert graph.sent(wa, after=mark) == []
    log = rasa_log(s)
    assert "whatsapp: webhook call refused" in log
    assert "Гусейнова" not in log and "987 65 43" not in log and wa not in log and log_id(wa) not in log


def test_a_body_altered_after_signing_is_refused(channel_stack, fakes, customer_number):
    s, graph = channel_stack, fakes["graph"]
    raw = json.dumps(graph.webhook(customer_number, text("да"))).encode()
    signature = meta_sign(WHATSAPP_APP_SECRET, raw)
    r = httpx.post(
        url(s),
        content=raw.replace(b'"da"', b'"net"') + b" ",
        headers={"X-Hub-Signature-256": signature, "Content-Type": "application/json"},
    )
    assert r.status_code == 403
