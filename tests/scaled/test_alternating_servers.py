"""One conversation whose messages go to the two rasa servers in turn: the state lives in the
shared tracker store (PostgreSQL), the Redis lock store keeps the servers from handling it at
once, the complaint is registered once with every field right, and the transcript reaches the
backend through RabbitMQ."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.scaled.conftest import AGENT, TRACKING, unique_name, wait_for


def test_messages_alternate_between_the_two_rasa_servers(scaled):
    sender = f"alt-{uuid.uuid4().hex[:12]}"
    name = unique_name()
    servers = [scaled.addr("rasa1"), scaled.addr("rasa2")]
    script = [
        "Здравствуйте, хочу оставить жалобу",
        name,
        "051 777 20 30",
        "кассир Лейла",
        "Кассир обсчитала меня на 40 манат и отказалась вернуть разницу",
        "да, всё верно",
    ]
    replies: list[dict] = []
    for i, message in enumerate(script):
        replies = scaled.say(sender, message, via=servers[i % 2])
        assert replies, f"no reply from {servers[i % 2]} to {message!r}"
    found = TRACKING.search(" ".join(r.get("text") or "" for r in replies))
    assert found, replies

    record = scaled.complaint(found.group(0))
    assert record["full_name"] == name
    assert record["phone"] == "+994517772030"
    assert "Лейла" in record["staff_member"]
    assert "обсчитала" in record["complaint_text"]
    assert record["language"] == "ru" and record["policy"] == "eurolux" and record["channel"] == "rest"
    assert [c["tracking_number"] for c in scaled.complaints_named(name)] == [found.group(0)]

    # Both servers read the same conversation.
    for server in servers:
        tracker = scaled.tracker(sender, via=server)
        assert tracker["slots"]["tracking_number"] == found.group(0)

    # The transcript came through RabbitMQ, each customer message once.
    def transcript():
        r = httpx.get(f"{scaled.backend_url}/api/conversations/{sender}/messages", headers=AGENT, timeout=10)
        r.raise_for_status()
        texts = [m["text"] for m in r.json() if m["role"] == "user"]
        return texts if len(texts) >= len(script) else None

    texts = wait_for(transcript, timeout=30)
    assert texts is not None, "the transcript did not reach the backend"
    assert texts == script


def test_two_messages_of_one_conversation_at_once_are_handled_one_after_the_other(scaled):
    """Both servers get a message of the same conversation at the same moment: the Redis lock
    makes one wait, so both answers come and neither message is lost from the tracker."""
    sender = f"lock-{uuid.uuid4().hex[:12]}"
    scaled.say(sender, "Здравствуйте, хочу оставить жалобу", via=scaled.addr("rasa1"))
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(scaled.say, sender, "Мамедова Лейла Рашидовна", via=scaled.addr("rasa1"))
        second = pool.submit(scaled.say, sender, "050 111 22 33", via=scaled.addr("rasa2"))
        assert first.result() and second.result()
    tracker = scaled.tracker(sender)
    texts = [e.get("text") for e in tracker["events"] if e.get("event") == "user"]
    assert texts.count("Мамедова Лейла Рашидовна") == 1 and texts.count("050 111 22 33") == 1
    assert tracker["slots"]["full_name"] == "Мамедова Лейла Рашидовна"
    assert tracker["slots"]["phone"] == "+994501112233"


def test_every_rasa_server_reports_its_parts_and_the_balancer_hides_metrics(scaled):
    """Readiness of each rasa server covers the shared parts (PostgreSQL tracker store, Redis
    lock store, RabbitMQ broker); metrics are scraped per process, never through the balancer."""
    for server in (scaled.addr("rasa1"), scaled.addr("rasa2")):
        r = httpx.get(f"{server}/readyz", timeout=10)
        assert r.status_code == 200, r.text
        assert r.json()["parts"] == {"model": "ok", "tracker_store": "ok", "event_broker": "ok", "lock_store": "ok"}
        metrics = httpx.get(f"{server}/metrics", timeout=10)
        assert metrics.status_code == 200 and "rasa_turns_total" in metrics.text
    for path in ("/metrics", "/webhooks/ops/metrics"):
        assert httpx.get(f"{scaled.rasa_url}{path}", timeout=10).status_code == 404
    assert httpx.get(f"{scaled.backend_url}/metrics", timeout=10).status_code == 404
    assert httpx.get(f"{scaled.rasa_api_url}/readyz", timeout=10).status_code == 200


def test_the_balancer_publishes_only_the_customers_ways_in(scaled):
    """An attacker at the public address: rasa's HTTP API, readiness and the REST channel without
    its token are not there, whatever token a request carries; the web chat and the channel
    webhooks are."""
    public = scaled.rasa_url
    api = scaled.api_headers()
    for path in ("/", "/status", "/version", "/readyz", "/webhooks/ops/ready", "/conversations/victim/tracker"):
        assert httpx.get(f"{public}{path}", headers=api, timeout=10).status_code == 404, path
        assert httpx.get(f"{public}{path}", params={"token": scaled.rasa_token}, timeout=10).status_code == 404
    forged = {"name": "EXTERNAL_decision", "entities": {"tracking_number": "K7QM-4PXR"}}
    r = httpx.post(f"{public}/conversations/victim/trigger_intent", json=forged, headers=api, timeout=10)
    assert r.status_code == 404
    rest = {"sender": "victim", "message": "hi"}
    assert httpx.post(f"{public}/webhooks/rest/webhook", json=rest, timeout=10).status_code == 403
    wrong = {"Authorization": "Bearer not-the-rest-token-0123456789"}
    assert httpx.post(f"{public}/webhooks/rest/webhook", json=rest, headers=wrong, timeout=10).status_code == 403
    # What customers use is there (socket.io's handshake; a webhook of a channel that is off).
    assert httpx.get(f"{public}/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=10).status_code == 200
    assert httpx.get(f"{public}/webhooks/telegram/", timeout=10).status_code != 403
    # The backends reach the API through the internal frontend, with the header JWT.
    assert httpx.get(f"{scaled.rasa_api_url}/status", headers=api, timeout=10).status_code == 200
    assert httpx.get(f"{scaled.rasa_api_url}/status", timeout=10).status_code == 401
