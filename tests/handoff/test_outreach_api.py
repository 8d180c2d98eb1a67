"""Writing to the customer from a complaint (POST /api/complaints/{tn}/messages): through the
handoff's path, against the loopback fake of Rasa's HTTP API."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from backend.app.accounts.models import Agent
from tests.support.rasa_api import FakeRasa

Headers = dict[str, str]


def test_writing_pauses_the_bot_opens_a_handoff_held_by_the_writer(
    client: TestClient,
    register: Callable[..., dict[str, Any]],
    make_agent: Callable[..., Agent],
    login: Callable[..., dict[str, str]],
    fake_rasa: FakeRasa,
) -> None:
    make_agent("nigar")
    headers = login("nigar")
    conversation = "tg:700100"
    tn = register("kontakt", conversation_id=conversation)["tracking_number"]
    text = "Пришлите, пожалуйста, фото вмятины и номер накладной."
    sent = client.post(f"/api/complaints/{tn}/messages", json={"text": text}, headers=headers)
    assert sent.status_code == 201, sent.text
    assert sent.json()["text"] == text and sent.json()["delivered_at"] is not None

    # Rasa: first paused, then the agent's message on the customer's channel.
    events = [call["json"] for call in fake_rasa.calls("tracker/events", conversation)]
    assert events[0] == [{"event": "pause"}]
    assert events[1][0]["event"] == "bot" and events[1][0]["text"] == text
    # The handoff is open, held by the writer and linked to the complaint: answers come back.
    [handoff] = client.get("/api/handoffs?status=open", headers=headers).json()
    assert handoff == {
        **handoff,
        "conversation_id": conversation,
        "status": "active",
        "reason": "outreach",
        "agent_username": "nigar",
        "tracking_number": tn,
    }
    record = client.get(f"/api/complaints/{tn}", headers=headers).json()
    assert record["history"][-1] == {**record["history"][-1], "kind": "message", "note": text, "actor": "nigar"}
    assert record["conversations"] == [conversation]

    # A second message goes on the same handoff, without pausing again.
    again = client.post(f"/api/complaints/{tn}/messages", json={"text": "Спасибо!"}, headers=headers)
    assert again.status_code == 201
    assert [call["json"] for call in fake_rasa.calls("tracker/events", conversation)].count([{"event": "pause"}]) == 1
    assert len(client.get("/api/handoffs?status=all", headers=headers).json()) == 1

    # Another agent may not write into nigar's conversation.
    make_agent("farid")
    refused = client.post(f"/api/complaints/{tn}/messages", json={"text": "?"}, headers=login("farid"))
    assert refused.status_code == 403


def test_no_conversation_to_write_in_is_a_409(
    client: TestClient, payload: Callable[..., dict[str, Any]], agent_headers: Headers, fake_rasa: FakeRasa
) -> None:
    answer = client.post("/api/complaints", json=payload("eurolux", channel="phone"), headers=agent_headers)
    tn = answer.json()["tracking_number"]
    refused = client.post(f"/api/complaints/{tn}/messages", json={"text": "Здравствуйте"}, headers=agent_headers)
    assert refused.status_code == 409
    assert "phone" in refused.json()["detail"]
    assert client.get("/api/handoffs?status=all", headers=agent_headers).json() == []


def test_rasa_down_opens_nothing(
    client: TestClient, register: Callable[..., dict[str, Any]], agent_headers: Headers, fake_rasa: FakeRasa
) -> None:
    tn = register("eurolux", conversation_id="wc:rasa-down")["tracking_number"]
    fake_rasa.fail_with = 503
    refused = client.post(f"/api/complaints/{tn}/messages", json={"text": "Salam"}, headers=agent_headers)
    assert refused.status_code == 502
    assert client.get("/api/handoffs?status=all", headers=agent_headers).json() == []
    record = client.get(f"/api/complaints/{tn}", headers=agent_headers).json()
    assert [entry["kind"] for entry in record["history"]] == ["status"]
