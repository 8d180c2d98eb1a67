"""The three processes answer: a greeting in each language gets the greeting in that language."""

import httpx
import pytest

from tests.support.conversation import domain_texts


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


def test_rasa_server_health_readiness_and_metrics(stack, sender):
    """The rasa server answers /healthz, /readyz (model, tracker store) and /metrics at its root
    and under /webhooks/ops/; a customer's message shows in the turn counters."""
    for path in ("/healthz", "/webhooks/ops/health"):
        assert httpx.get(f"{stack.rasa_url}{path}", timeout=5).json() == {"status": "ok"}
    for path in ("/readyz", "/webhooks/ops/ready"):
        r = httpx.get(f"{stack.rasa_url}{path}", timeout=10)
        assert r.status_code == 200, r.text
        assert r.json()["parts"]["model"] == "ok" and r.json()["parts"]["tracker_store"] == "ok"

    def turns() -> float:
        r = httpx.get(f"{stack.rasa_url}/metrics", timeout=5)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        ok = 'rasa_turns_total{channel="rest",outcome="ok"}'
        found = [line for line in r.text.splitlines() if line.startswith(ok)]
        return float(found[0].split()[-1]) if found else 0.0

    before = turns()
    assert stack.say(sender, "Здравствуйте!")
    assert turns() == before + 1
    assert "rasa_turn_seconds_bucket" in httpx.get(f"{stack.rasa_url}/webhooks/ops/metrics", timeout=5).text


def test_rasa_server_freezes_its_loaded_heap_and_reports_collector_pauses(stack, sender):
    """Once the model is loaded (and again after the first turn) the rasa server's heap is frozen
    out of later collections (bot/runtime/patches/gc_pauses.py); /metrics shows the frozen objects and every
    collection's pause by generation."""
    assert stack.say(sender, "Salam, necəsiniz?")
    families = {}
    for line in httpx.get(f"{stack.rasa_url}/metrics", timeout=5).text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            families[name] = float(value)
    # TensorFlow, the model and Rasa alone are well over a million objects on this stack
    assert families["rasa_gc_frozen_objects"] > 300_000
    pauses = {name: v for name, v in families.items() if name.startswith("rasa_gc_pause_seconds_count")}
    assert pauses and sum(pauses.values()) > 0, pauses
