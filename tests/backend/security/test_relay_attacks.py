"""The action server's service token relays what customers say. A customer of another
conversation who names someone's tracking number (a forged EXTERNAL_decision, a guessed
number) must not answer for that complaint, nor pull its notifications into their chat."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.backend.conftest import AGENT_TOKEN, SERVICE_TOKEN

SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
Register = Callable[..., dict[str, Any]]


@pytest.fixture
def victim(client: TestClient, register: Register) -> dict[str, Any]:
    """A complaint of the conversation `victim-chat`, resolved: it waits for its customer's answer."""
    body = register("eurolux", conversation_id="victim-chat")
    tn = body["tracking_number"]
    resolved = client.post(
        f"/api/complaints/{tn}/status", json={"status": "resolved", "note": "Pul geri qaytarılacaq."}, headers=AGENT
    )
    assert resolved.status_code == 200, resolved.text
    return body


def _state(client: TestClient, tn: str) -> tuple[str, str | None, int | None, int]:
    record = client.get(f"/api/complaints/{tn}", headers=AGENT).json()
    return record["status"], record["conversation_id"], record["rating"], len(record["history"])


def test_a_decision_from_a_foreign_conversation_is_refused_and_changes_nothing(
    client: TestClient, victim: dict[str, Any]
) -> None:
    tn, pin = victim["tracking_number"], victim["pin"]
    before = _state(client, tn)
    unknown = client.post(
        "/api/complaints/ZZZZ-ZZZZ/customer-decision",
        json={"approved": False, "reason": "x", "conversation_id": "attacker-chat"},
        headers=SERVICE,
    )
    attempts = [
        {"approved": False, "reason": "not good enough", "conversation_id": "attacker-chat"},
        {"approved": True, "conversation_id": "attacker-chat"},
        {"approved": True},  # no conversation at all
        {"approved": True, "conversation_id": "attacker-chat", "pin": f"{(int(pin) + 1) % 1_000_000:06d}"},
    ]
    for attempt in attempts:
        refused = client.post(f"/api/complaints/{tn}/customer-decision", json=attempt, headers=SERVICE)
        assert (refused.status_code, refused.content) == (unknown.status_code, unknown.content), attempt
        assert dict(refused.headers) == dict(unknown.headers)
    assert unknown.status_code == 404
    assert _state(client, tn) == before  # still resolved, notifications still go to the victim's chat


def test_a_rating_from_a_foreign_conversation_is_refused(client: TestClient, victim: dict[str, Any]) -> None:
    tn = victim["tracking_number"]
    closed = client.post(
        f"/api/complaints/{tn}/customer-decision",
        json={"approved": True, "conversation_id": "victim-chat"},
        headers=SERVICE,
    )
    assert closed.status_code == 200, closed.text
    before = _state(client, tn)
    forged = client.post(
        f"/api/complaints/{tn}/rating", json={"rating": 1, "conversation_id": "attacker-chat"}, headers=SERVICE
    )
    assert forged.status_code == 404
    assert _state(client, tn) == before
    own = client.post(
        f"/api/complaints/{tn}/rating", json={"rating": 5, "conversation_id": "victim-chat"}, headers=SERVICE
    )
    assert own.status_code == 200
    assert _state(client, tn)[2] == 5


def test_the_right_pin_lets_the_customer_answer_from_a_new_conversation(
    client: TestClient, victim: dict[str, Any]
) -> None:
    tn, pin = victim["tracking_number"], victim["pin"]
    answer = client.post(
        f"/api/complaints/{tn}/customer-decision",
        json={"approved": True, "conversation_id": "new-chat", "pin": pin},
        headers=SERVICE,
    )
    assert answer.status_code == 200, answer.text
    status, conversation, _, _ = _state(client, tn)
    assert (status, conversation) == ("closed", "new-chat")


def test_an_agent_records_a_phoned_answer_without_pin_but_moves_no_conversation(
    client: TestClient, victim: dict[str, Any]
) -> None:
    tn = victim["tracking_number"]
    answer = client.post(
        f"/api/complaints/{tn}/customer-decision",
        json={"approved": True, "conversation_id": "somewhere-else"},
        headers=AGENT,
    )
    assert answer.status_code == 200, answer.text
    status, conversation, _, _ = _state(client, tn)
    assert (status, conversation) == ("closed", "victim-chat")


def test_a_file_cannot_be_attached_to_another_conversations_complaint(
    client: TestClient, victim: dict[str, Any]
) -> None:
    """The service token attaches a file to a complaint only from the complaint's own
    conversation, and a refused attempt answers exactly as an unknown number does."""
    tn = victim["tracking_number"]

    def upload(number: str, conversation: str) -> Any:
        files = {"file": ("x.jpg", b"\xff\xd8\xff\xe0forged", "image/jpeg")}
        form = {"tracking_number": number, "conversation_id": conversation}
        return client.post("/api/attachments", files=files, data=form, headers=SERVICE)

    unknown = upload("ZZZZ-ZZZZ", "attacker-chat")
    foreign = upload(tn, "attacker-chat")
    assert unknown.status_code == 404
    assert (foreign.status_code, foreign.content) == (unknown.status_code, unknown.content)
    record = client.get(f"/api/complaints/{tn}", headers=AGENT).json()
    assert not record.get("attachments")
    own = upload(tn, "victim-chat")
    assert own.status_code == 201, own.text
