"""The three processes answer: a greeting in each language gets the greeting in that language."""

import httpx
import pytest

from conftest import domain_texts


def test_backend_health(stack):
    assert httpx.get(f"{stack.backend_url}/healthz", timeout=5).status_code == 200


@pytest.mark.parametrize(
    ("language", "greeting"),
    [("ru", "Здравствуйте!"), ("az", "Salam, necəsiniz?"), ("ro", "Bună ziua!"), ("tr", "Merhaba, iyi günler")],
)
def test_greeting_is_answered_in_the_customers_language(stack, sender, language, greeting):
    replies = stack.say(sender, greeting)
    assert replies, "no reply"
    assert replies[0]["text"] == domain_texts("utter_greet")[language]
    assert stack.tracker(sender)["slots"]["language"] == language
