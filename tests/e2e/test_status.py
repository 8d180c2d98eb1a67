"""Status checks and the closing loop through the REST channel and the backend (issue 8)."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.conversation import domain_texts, slot
from tests.support.stack import AGENT_TOKEN, SERVICE_TOKEN

AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}

# A complete complaint and the customer's words, per language.
CASES = {
    "ru": dict(
        full_name="Керимов Фарид Алекперович",
        phone="0542 318 40 09",
        text="кассир обсчитала меня на 20 манат",
        ask="где моя жалоба?",
        yes="да, согласен",
        no="нет, не согласен",
        reason="компенсация слишком маленькая",
        reason2="всё равно не устраивает",
    ),
    "az": dict(
        full_name="Əliyeva Nərmin Tofiq qızı",
        phone="0542 318 40 09",
        text="televizoru iki həftədir çatdırmırlar",
        ask="şikayətimin statusu nədir?",
        yes="bəli, razıyam",
        no="xeyr, razı deyiləm",
        reason="təzminat çox azdır",
        reason2="yenə də razı deyiləm",
    ),
    "ro": dict(
        full_name="Stan Cristina Elena",
        phone="0542 318 40 09",
        text="invertorul se oprește zilnic cu eroare",
        ask="ce se întâmplă cu reclamația mea?",
        yes="da, sunt de acord",
        no="nu, nu sunt de acord",
        reason="despăgubirea e prea mică",
        reason2="tot nu sunt mulțumită",
    ),
    "tr": dict(
        full_name="Öztürk Hakan",
        phone="0542 318 40 09",
        text="yalıtım levhaları kırık teslim edildi",
        ask="şikayetim ne durumda?",
        yes="evet, kabul ediyorum",
        no="hayır, kabul etmiyorum",
        reason="tazminat çok düşük",
        reason2="yine kabul etmiyorum",
    ),
}


GREETINGS = {"ru": "Здравствуйте", "az": "Salam", "ro": "Bună ziua", "tr": "Merhaba"}


def register(stack, sender, lang, policy="poliser"):
    """A complaint of this conversation, as if the customer had filed it in this chat."""
    c = CASES[lang]
    stack.say(sender, GREETINGS[lang])
    body = {
        "full_name": c["full_name"],
        "phone": c["phone"],
        "complaint_text": c["text"],
        "language": lang,
        "channel": "rest",
        "policy": policy,
        "conversation_id": sender,
    }
    r = httpx.post(f"{stack.backend_url}/api/complaints", json=body, headers=SERVICE, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def set_status(stack, tn, status, note=None):
    r = httpx.post(
        f"{stack.backend_url}/api/complaints/{tn}/status",
        json={"status": status, "note": note, "visible_to_customer": True},
        headers=AGENT,
        timeout=30,
    )
    assert r.status_code == 200, r.text


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def texts(replies):
    return [r.get("text") or "" for r in replies]


@pytest.mark.parametrize("lang", ["ru", "az", "ro", "tr"])
def test_lookup_right_pin_wrong_pin_unknown_number(stack, sender, lang):
    c = CASES[lang]
    reg = register(stack, sender, lang)
    tn, pin = reg["tracking_number"], reg["pin"]
    stack.say(sender, c["ask"])
    assert slot(stack, sender, "requested_slot") == "tracking_number"
    stack.say(sender, tn.lower())
    assert slot(stack, sender, "requested_slot") == "pin"
    wrong = "000000" if pin != "000000" else "111111"
    replies = stack.say(sender, wrong)
    assert domain_texts("utter_status_wrong_pin")[lang] in texts(replies)
    assert slot(stack, sender, "pin") is None
    replies = stack.say(sender, pin)
    report = domain_texts("utter_status_report")[lang].split("{")[0]
    assert any(t.startswith(report) and tn in t for t in texts(replies)), replies
    # Tracking number and PIN in one message; a number that does not exist gets the answer of
    # a wrong PIN (the backend does not tell which numbers exist).
    replies = stack.say(sender, f"{c['ask']} ZZZZ-9999 {pin}")
    assert domain_texts("utter_status_wrong_pin")[lang] in texts(replies), replies


def decide(stack, sender, tn, decision_text):
    set_status(stack, tn, "acknowledged")
    set_status(stack, tn, "in_progress")
    set_status(stack, tn, "resolved", decision_text)
    assert wait_for(lambda: slot(stack, sender, "awaiting") == "decision"), "decision not delivered to the chat"


def history_statuses(stack, tn):
    record = stack.complaint(tn)
    return record, [h["status"] for h in record["history"] if h.get("status")]


@pytest.mark.parametrize("lang", ["ru", "az", "ro", "tr"])
def test_approve_then_rate(stack, sender, lang):
    c = CASES[lang]
    tn = register(stack, sender, lang)["tracking_number"]
    decide(stack, sender, tn, "Возврат 20 AZN на карту")
    replies = stack.say(sender, c["yes"])
    assert domain_texts("utter_ask_rating")[lang] in texts(replies), replies
    replies = stack.say(sender, "5")
    assert domain_texts("utter_thanks_for_rating")[lang] in texts(replies)
    record, statuses = history_statuses(stack, tn)
    assert record["status"] == "closed" and record.get("rating") == 5


@pytest.mark.parametrize("lang", ["ru", "az", "ro", "tr"])
def test_reject_then_approve(stack, sender, lang):
    c = CASES[lang]
    tn = register(stack, sender, lang)["tracking_number"]
    decide(stack, sender, tn, "Скидка 5% на следующую покупку")
    stack.say(sender, c["no"])
    assert slot(stack, sender, "requested_slot") == "rejection_reason"
    replies = stack.say(sender, c["reason"])
    rereview = domain_texts("utter_rereview_started")[lang].replace("{tracking_number}", tn)
    assert rereview in texts(replies), replies
    record, _ = history_statuses(stack, tn)
    assert record["status"] == "reopened"
    set_status(stack, tn, "in_progress")
    set_status(stack, tn, "resolved", "Полный возврат денег")
    assert wait_for(lambda: slot(stack, sender, "awaiting") == "decision")
    stack.say(sender, c["yes"])
    stack.say(sender, "4")
    record, _ = history_statuses(stack, tn)
    assert record["status"] == "closed"


@pytest.mark.parametrize("lang", ["ru", "az", "ro", "tr"])
def test_reject_twice_is_disputed_with_external_remedies(stack, sender, lang):
    c = CASES[lang]
    tn = register(stack, sender, lang)["tracking_number"]
    decide(stack, sender, tn, "Отказ: повреждение при монтаже")
    stack.say(sender, c["no"])
    stack.say(sender, c["reason"])
    set_status(stack, tn, "in_progress")
    set_status(stack, tn, "resolved", "Отказ после повторной проверки")
    assert wait_for(lambda: slot(stack, sender, "awaiting") == "decision")
    stack.say(sender, c["no"])
    replies = stack.say(sender, c["reason2"])
    disputed = domain_texts("utter_disputed")[lang].split("{")[0]
    assert any(t.startswith(disputed) for t in texts(replies)), replies
    record, _ = history_statuses(stack, tn)
    assert record["status"] == "disputed"
    notes = " ".join(h.get("note") or "" for h in record["history"])
    assert c["reason"] in notes and c["reason2"] in notes


def test_a_notification_sent_twice_enters_the_conversation_once(stack, sender):
    """The dispatcher's retry of a send still waiting in Rasa (bot/runtime/patches/external_once.py): the same
    notification key twice through Rasa's trigger_intent is presented once; another key is
    presented again."""
    stack.say(sender, GREETINGS["ru"])
    url = f"{stack.rasa_url}/conversations/{sender}/trigger_intent"

    def send(key: str) -> list[dict]:
        body = {
            "name": "EXTERNAL_decision",
            "entities": {"tracking_number": "K7QM-4PXR", "decision_text": "Возврат 20 AZN", "notification_id": key},
        }
        r = httpx.post(url, params={"output_channel": "latest"}, json=body, timeout=30)
        assert r.status_code == 200, r.text
        return r.json().get("messages", [])

    def decisions() -> int:
        return sum(
            1
            for e in stack.tracker(sender)["events"]
            if e.get("event") == "user"
            and (e.get("parse_data") or {}).get("intent", {}).get("name") == "EXTERNAL_decision"
        )

    first = send("decision-1")
    assert any("K7QM-4PXR" in (m.get("text") or "") for m in first), first
    assert send("decision-1") == [] and decisions() == 1
    again = send("decision-2")
    assert any("K7QM-4PXR" in (m.get("text") or "") for m in again), again
    assert decisions() == 2
