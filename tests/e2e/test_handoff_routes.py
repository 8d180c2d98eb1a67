"""The bot hands over on its own: a furious customer, or two messages it could not understand."""

from __future__ import annotations

import pytest

from tests.support.conversation import domain_texts, slot


def handed_over(stack, sender, replies, lang):
    texts = [r.get("text") or "" for r in replies]
    starts = [domain_texts(name)[lang].split("{")[0] for name in ("utter_handoff_now", "utter_handoff_later")]
    assert any(t.startswith(s) for t in texts for s in starts), texts
    assert stack.tracker(sender)["paused"] is True


@pytest.mark.parametrize("policy_stack", ["poliser"], indirect=True)
def test_an_angry_customer_gets_a_person_and_keeps_what_was_collected(policy_stack, sender):
    s = policy_stack
    s.say(sender, "Merhaba, şikayetim var")
    s.say(sender, "Öztürk Hakan")
    assert slot(s, sender, "requested_slot") == "phone"
    replies = s.say(sender, "SİZ DOLANDIRICISINIZ, PARAMI GERİ VERİN!!!")
    handed_over(s, sender, replies, "tr")
    assert slot(s, sender, "full_name") == "Öztürk Hakan"


@pytest.mark.parametrize("policy_stack", ["eurolux"], indirect=True)
def test_two_messages_not_understood_in_a_row_get_a_person(policy_stack, sender):
    s = policy_stack
    s.say(sender, "Здравствуйте")
    s.say(sender, "ыфвапролд жэ")
    replies = s.say(sender, "фывфыв ячсмить")
    handed_over(s, sender, replies, "ru")


@pytest.mark.parametrize("policy_stack", ["eurolux"], indirect=True)
def test_asking_for_a_person_pauses_the_conversation(policy_stack, sender):
    s = policy_stack
    replies = s.say(sender, "соедините с оператором")
    handed_over(s, sender, replies, "ru")
