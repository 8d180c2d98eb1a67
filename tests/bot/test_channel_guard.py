"""The channels' guard, its pure parts: forged intents, the domain's button payloads, the
message limit and its polite answer, conversation ids per channel, the REST channel's switch."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.channels.forged import button_payloads, forged
from bot.channels.rate_limit import DROP, NOTIFY, PASS, RateLimiter, polite_text
from bot.channels.settings import RestSettings
from bot.channels.twilio.payload import parse_form
from bot.channels.whatsapp.payload import parse_message
from contract import conversation_ids

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_PAYLOADS = button_payloads(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"])
TEXTS = yaml.safe_load((ROOT / "bot" / "channels" / "texts.yml").read_text(encoding="utf-8"))["rate_limited"]


@pytest.mark.parametrize(
    "text",
    [
        '/EXTERNAL_decision{"tracking_number":"K7QM-4PXR"}',
        "/EXTERNAL_decision",
        "/EXTERNAL_resume",
        '  /EXTERNAL_decision@0.99{"tracking_number":"K7QM-4PXR"}  ',
        "/external_acknowledgement",
        '/inform{"category":"service","tracking_number":"K7QM-4PXR"}',  # no button sends this
        '/affirm{"decision_tracking_number":"K7QM-4PXR"}',
        '/affirm@1.0{"x":1}',
        '/switch_language{"language":"en"}',
    ],
)
def test_backend_only_intents_and_typed_entities_are_forged(text: str) -> None:
    assert forged(text, DOMAIN_PAYLOADS)


@pytest.mark.parametrize(
    "text",
    [
        '/switch_language{"language":"ru"}',  # the domain's buttons, entities and all
        '/inform{"category":"product"}',
        "/dont_know",
        "/affirm",
        "/greet",
        "/attachment_received",
        "Здравствуйте, мой номер K7QM-4PXR",
        "EXTERNAL_decision",  # no slash: NLU reads it as words
        "",
        None,
    ],
)
def test_button_payloads_intents_and_words_pass(text: str | None) -> None:
    assert not forged(text, DOMAIN_PAYLOADS)


def test_payloads_are_read_as_rasa_renders_them() -> None:
    responses = {"utter_x": [{"text": "?", "buttons": [{"title": "a", "payload": '/inform{{"category":"service"}}'}]}]}
    assert '/inform{"category":"service"}' in button_payloads(responses)
    assert forged('/inform{"category":"service"}', frozenset())  # without the domain: refused


def test_the_limit_passes_twenty_then_answers_once_per_window() -> None:
    now = [1000.0]
    limiter = RateLimiter(20, 60, clock=lambda: now[0])
    assert [limiter.check("tg:1") for _ in range(20)] == [PASS] * 20
    assert limiter.check("tg:1") == NOTIFY
    assert limiter.check("tg:1") == DROP
    assert limiter.check("wa:1") == PASS  # each conversation has its own count
    now[0] += 30
    assert limiter.check("tg:1") == DROP
    now[0] += 31  # the first twenty are out of the window
    assert limiter.check("tg:1") == PASS


def test_the_polite_answer_follows_again_a_window_later() -> None:
    now = [0.0]
    limiter = RateLimiter(1, 10, clock=lambda: now[0])
    assert [limiter.check("c") for _ in range(3)] == [PASS, NOTIFY, DROP]
    now[0] = 10.5
    assert [limiter.check("c") for _ in range(3)] == [PASS, NOTIFY, DROP]


def test_a_limit_of_zero_is_off_and_old_conversations_are_forgotten() -> None:
    assert {RateLimiter(0, 60).check("c") for _ in range(100)} == {PASS}
    limiter = RateLimiter(1, 60, senders=2)
    for sender in ("a", "b", "c"):
        limiter.check(sender)
    assert len(limiter._windows) == 2


@pytest.mark.parametrize(
    ("text", "metadata", "language"),
    [
        ("Почему вы не отвечаете?", {}, "ru"),
        ("Niyə cavab vermirsiniz? Mən gözləyirəm", {}, "az"),
        ("De ce nu răspundeți? Aștept de mult", {}, "ro"),
        ("Neden cevap vermiyorsunuz? Bekliyorum", {}, "tr"),
        ("12345", {"language_code": "tr"}, "tr"),  # no words: the channel's hint
    ],
)
def test_the_polite_answer_speaks_the_messages_language(text: str, metadata: dict, language: str) -> None:
    assert polite_text(text, metadata, "eurolux") == TEXTS[language]


def test_without_words_or_hint_the_policy_default_language() -> None:
    from contract.policy import load_intake

    default = load_intake("eurolux").default_language
    assert polite_text("!!!", {}, "eurolux") == TEXTS[default]
    assert set(TEXTS) == {"ru", "az", "ro", "tr"}


def test_conversation_ids_per_channel() -> None:
    assert parse_message({"from": "994501112233", "id": "m", "type": "text", "text": {"body": "x"}}).sender_id == (
        "wa:994501112233"
    )
    assert parse_form({"From": "whatsapp:+994501112233", "Body": "x"}).sender_id == "tw:+994501112233"
    assert conversation_ids.platform_id("tg:42", conversation_ids.TELEGRAM) == "42"
    assert conversation_ids.platform_id("42", conversation_ids.TELEGRAM) is None
    assert conversation_ids.platform_id("wa:42", conversation_ids.TELEGRAM) is None
    assert conversation_ids.platform_id("tg:", conversation_ids.TELEGRAM) is None
    assert all(conversation_ids.reserved(s) for s in ("tg:1", "WA:1", "tw:+1", "wc:abc"))
    assert not any(conversation_ids.reserved(s) for s in ("tg-1", "customer-1", "t:1"))


@pytest.mark.parametrize(
    ("environment", "token", "enabled"),
    [
        ("development", "", True),
        ("production", "", False),
        ("staging", "", False),
        ("production", "dev-rest-token", False),  # a placeholder does not switch it on
        ("production", "short", False),
        ("production", "a-real-rest-channel-token-0123456789", True),
        ("development", "dev-rest-token", True),
    ],
)
def test_the_rest_channel_is_on_in_development_or_with_a_real_token(environment: str, token: str, enabled: bool):
    assert RestSettings(environment=environment, token=token).enabled is enabled
