"""The dispatcher's outcomes on /metrics: sent by kind and the route that delivered, failed for
good by kind and planned route; retries are neither."""

from collections import Counter
from collections.abc import Callable
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session, col, select

from backend.app.notifications.models import Notification, NotificationAttempt, NotificationState
from backend.app.notifications.service import NotificationService
from tests.backend.conftest import AGENT_TOKEN, SERVICE_TOKEN, VALID_COMPLAINTS
from tests.backend.notifications.conftest import Timeline
from tests.support.loopback import LoopbackServer

AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
SERVICE = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
BAKU = ZoneInfo("Asia/Baku")


def outcome_counters(client: TestClient) -> Counter[tuple[str, str, str]]:
    """(metric, kind, route) -> value, of notifications_sent_total / notifications_failed_total."""
    found: Counter[tuple[str, str, str]] = Counter()
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            if sample.name in ("notifications_sent_total", "notifications_failed_total"):
                found[(sample.name, sample.labels["kind"], sample.labels["route"])] = int(sample.value)
    return found


def outcomes_in_the_database(service: NotificationService) -> Counter[tuple[str, str, str]]:
    """What the dispatcher did: its sending attempts (a worker's), the notifications failed.
    (A registration in the chat is recorded as sent by the planner, no dispatcher involved.)"""
    found: Counter[tuple[str, str, str]] = Counter()
    with Session(service.dispatcher.engine) as session:
        sent = session.exec(
            select(Notification.kind, NotificationAttempt.channel)
            .join(NotificationAttempt, col(NotificationAttempt.notification_id) == Notification.id)
            .where(NotificationAttempt.outcome == "sent", col(NotificationAttempt.worker).is_not(None))
        ).all()
        for kind, route in sent:
            found[("notifications_sent_total", kind, route)] += 1
        for row in session.exec(select(Notification).where(Notification.state == NotificationState.failed)).all():
            found[("notifications_failed_total", row.kind, row.channel or "none")] += 1
    return found


def test_sent_and_failed_notifications_are_counted_once_each(
    nclient: TestClient, service: NotificationService, timeline: Callable[..., Timeline], loopback: LoopbackServer
) -> None:
    before = outcome_counters(nclient)
    line = timeline(BAKU, "02.02 10:00")
    loopback.conversation("web-1")
    chat = nclient.post(
        "/api/complaints",
        json={**VALID_COMPLAINTS["eurolux"], "policy": "eurolux", "conversation_id": "web-1"},
        headers=SERVICE,
    )
    assert chat.status_code == 201
    phone = nclient.post(
        "/api/complaints", json={**VALID_COMPLAINTS["eurolux"], "policy": "eurolux", "channel": "phone"}, headers=AGENT
    )
    assert phone.status_code == 201
    loopback.fail("/sms", times=1, status=400)  # the phone complaint's registration SMS: refused for good
    line.at("02.02 11:00")
    tracking_number = chat.json()["tracking_number"]
    acknowledged = nclient.post(
        f"/api/complaints/{tracking_number}/status", json={"status": "acknowledged"}, headers=AGENT
    )
    assert acknowledged.status_code == 200
    loopback.fail("/conversations/web-1/trigger_intent", times=2, status=503)  # retried twice, then sent
    line.at("02.02 11:10")

    expected = outcomes_in_the_database(service)
    assert expected[("notifications_failed_total", "registration", "sms")] == 1
    assert expected[("notifications_sent_total", "acknowledgement", "rasa")] == 1
    after = outcome_counters(nclient)
    assert after - before == expected  # retries (state planned again) counted nowhere
