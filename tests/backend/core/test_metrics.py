"""GET /metrics: Prometheus text exposition of the app's own registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from backend.app.core.settings import Settings
from backend.app.main import create_app


def samples(client: TestClient) -> list[tuple[str, dict[str, str], float]]:
    response = client.get("/metrics")
    assert response.status_code == 200
    return [
        (sample.name, sample.labels, float(sample.value))
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    ]


def value(client: TestClient, name: str, **labels: str) -> float:
    """The sample's value; 0 when the series does not exist (yet)."""
    for sample_name, sample_labels, sample_value in samples(client):
        if sample_name == name and all(sample_labels.get(k) == v for k, v in labels.items()):
            return sample_value
    return 0.0


def test_the_text_exposition_without_a_token(client: TestClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {
        "complaints_registered",
        "notifications_sent",
        "notifications_failed",
        "rasa_events_stored",
        "handoffs_waiting",
        "http_request_duration_seconds",
    } <= names
    assert "# TYPE complaints_registered_total counter" in response.text
    assert "# TYPE handoffs_waiting gauge" in response.text


def test_a_registration_counts_once_and_its_idempotent_replay_not_at_all(
    client: TestClient, payload: Callable[..., dict[str, Any]], service_headers: dict[str, str]
) -> None:
    labels = {"policy": "kontakt", "channel": "telegram"}
    before = value(client, "complaints_registered_total", **labels)
    headers = {**service_headers, "Idempotency-Key": "metrics-1"}
    first = client.post("/api/complaints", json=payload("kontakt"), headers=headers)
    assert first.status_code == 201
    assert value(client, "complaints_registered_total", **labels) == before + 1
    replay = client.post("/api/complaints", json=payload("kontakt"), headers=headers)
    assert replay.status_code == 200 and replay.json()["tracking_number"] == first.json()["tracking_number"]
    assert value(client, "complaints_registered_total", **labels) == before + 1
    refused = client.post("/api/complaints", json=payload("kontakt", full_name=None), headers=service_headers)
    assert refused.status_code == 422
    assert value(client, "complaints_registered_total", **labels) == before + 1


def test_handoffs_waiting_is_read_from_the_database(
    client: TestClient, service_headers: dict[str, str], agent_headers: dict[str, str]
) -> None:
    assert value(client, "handoffs_waiting") == 0
    ids = []
    for n in range(3):
        response = client.post(
            "/api/handoffs", json={"conversation_id": f"tg-{n}", "channel": "telegram"}, headers=service_headers
        )
        assert response.status_code == 201
        ids.append(response.json()["id"])
    assert value(client, "handoffs_waiting") == 3
    assert client.post(f"/api/handoffs/{ids[0]}/take", headers=agent_headers).status_code == 200
    assert value(client, "handoffs_waiting") == 2
    assert client.post(f"/api/handoffs/{ids[0]}/transfer", json={"username": None}, headers=agent_headers).is_success
    assert value(client, "handoffs_waiting") == 3  # back in the queue


def test_latency_is_labelled_with_the_route_template_never_the_url(
    client: TestClient, register: Callable[..., dict[str, Any]], agent_headers: dict[str, str]
) -> None:
    tracking_number = register()["tracking_number"]
    assert client.get(f"/api/complaints/{tracking_number}", headers=agent_headers).status_code == 200
    assert client.get("/api/complaints/K7QM-4PXR", headers=agent_headers).status_code == 404
    assert client.get(f"/no/such/page/{tracking_number}").status_code == 404
    assert client.request("BREW", "/healthz").status_code == 405
    route = "/api/complaints/{tracking_number}"
    count = "http_request_duration_seconds_count"
    assert value(client, count, route=route, method="GET", status="2xx") >= 1
    assert value(client, count, route=route, method="GET", status="4xx") >= 1
    assert value(client, count, route="unmatched", method="GET", status="4xx") >= 1
    assert value(client, count, route="/healthz", method="other", status="4xx") >= 1
    everything = samples(client)
    assert not [s for s in everything if any(tracking_number in v or "K7QM" in v for v in s[1].values())]


def test_rasa_events_over_http_are_counted(client: TestClient, service_headers: dict[str, str]) -> None:
    before = value(client, "rasa_events_stored_total", source="http")
    events = [
        {"sender_id": "web-1", "event": "user", "text": "salam", "timestamp": 1.0, "input_channel": "socketio"},
        {"sender_id": "web-1", "event": "bot", "text": "Salam!", "timestamp": 2.0},
        {"sender_id": "web-1", "event": "action", "name": "action_listen", "timestamp": 3.0},
    ]
    response = client.post("/api/internal/rasa-events", json={"events": events}, headers=service_headers)
    assert response.status_code == 200
    assert value(client, "rasa_events_stored_total", source="http") == before + 3
    assert value(client, "rasa_events_stored_total", source="rabbitmq") == 0


def test_each_app_counts_in_its_own_registry(
    client: TestClient, app: FastAPI, settings: Settings, payload: Callable[..., dict[str, Any]]
) -> None:
    other = create_app(settings)  # a second app in the same process: no "duplicated timeseries"
    try:
        labels = {"policy": "eurolux", "channel": "rest"}
        mine = value(client, "complaints_registered_total", **labels)
        registered = TestClient(other).post(
            "/api/complaints", json=payload(), headers={"Authorization": "Bearer test-service-token"}
        )
        assert registered.status_code == 201
        assert value(TestClient(other), "complaints_registered_total", **labels) == 1
        assert value(client, "complaints_registered_total", **labels) == mine
        assert app.state.metrics.registry is not other.state.metrics.registry
    finally:
        other.state.engine.dispose()
