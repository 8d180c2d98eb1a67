"""The handoff API in-process, against a real database and a loopback fake of Rasa's HTTP API:
queueing, taking (one winner in a race), passing on, writing to the customer, returning to the
bot, and what the action server is told about working hours."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from backend.app.core.models import utcnow


def cid() -> str:
    return f"conv-{uuid.uuid4().hex[:12]}"


# --- queueing ------------------------------------------------------------------------------------


def test_the_action_server_queues_a_conversation_once(client, handoff_request, agent_headers):
    conversation = cid()
    first = handoff_request(conversation, reason="not_understood")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "waiting" and body["id"] > 0
    assert set(body) == {"id", "status", "expected_reply_by", "within_working_hours", "next_shift_starts"}
    # The policy's time zone (Eurolux: Baku, +04:00).
    assert body["expected_reply_by"].endswith("+04:00")
    assert (body["next_shift_starts"] is None) == body["within_working_hours"]

    again = handoff_request(conversation, reason="angry")
    assert again.status_code == 200 and again.json()["id"] == body["id"]

    queue = client.get("/api/handoffs", headers=agent_headers).json()
    assert [h["id"] for h in queue] == [body["id"]]
    item = queue[0]
    assert item["reason"] == "not_understood" and item["channel"] == "telegram" and item["language"] == "ru"
    assert item["customer_name"] == "Мамедова Лейла Рашидовна"
    assert item["waiting_seconds"] >= 0 and item["agent_username"] is None

    card = client.get(f"/api/handoffs/{body['id']}", headers=agent_headers).json()
    assert card["slots"]["phone"] == "+994501112233" and card["slots"]["requested_slot"] == "staff_member"
    assert "email" not in card["slots"]  # empty slots are not kept
    assert card["complaint"] is None and card["missing_fields"] == ["complaint_text"]


def test_queueing_needs_a_token_and_a_valid_body(client, handoff_request, service_headers):
    assert client.post("/api/handoffs", json={"conversation_id": "x", "channel": "rest"}).status_code == 401
    bad = handoff_request(cid(), reason="bored")
    assert bad.status_code == 422
    unknown_policy = handoff_request(cid(), policy="acme")
    assert unknown_policy.status_code == 422
    # An unknown language is not a reason to leave the customer without a person.
    odd = handoff_request(cid(), language="en", slots={"full_name": None, "requested_slot": None})
    assert odd.status_code == 201


def test_two_conversations_asking_at_once_get_one_handoff_each(client, handoff_request):
    conversation = cid()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: handoff_request(conversation), range(8)))
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert len({a.json()["id"] for a in answers}) == 1


# --- taking and passing on -------------------------------------------------------------------------


@pytest.fixture
def agents(make_agent, login):
    make_agent("alice")
    make_agent("bob")
    make_agent("carol")
    make_agent("sam", role="supervisor")
    return {name: login(name) for name in ("alice", "bob", "carol", "sam")}


def test_two_agents_cannot_take_the_same_conversation(client, handoff_request, agents):
    handoff = handoff_request(cid()).json()
    taken = client.post(f"/api/handoffs/{handoff['id']}/take", headers=agents["alice"])
    assert taken.status_code == 200 and taken.json()["agent_username"] == "alice"
    assert taken.json()["status"] == "active"
    again = client.post(f"/api/handoffs/{handoff['id']}/take", headers=agents["bob"])
    assert again.status_code == 409 and "Alice" in again.json()["detail"]
    # Taking one's own again is harmless.
    assert client.post(f"/api/handoffs/{handoff['id']}/take", headers=agents["alice"]).status_code == 200


def test_a_race_to_take_has_exactly_one_winner(client, handoff_request, make_agent, login):
    names = [f"racer{i}" for i in range(6)]
    for name in names:
        make_agent(name)
    headers = [login(name) for name in names]
    for _round in range(3):
        handoff = handoff_request(cid()).json()
        barrier = threading.Barrier(len(headers))

        def take(h, handoff_id=handoff["id"], barrier=barrier):
            barrier.wait()
            return client.post(f"/api/handoffs/{handoff_id}/take", headers=h)

        with ThreadPoolExecutor(len(headers)) as pool:
            answers = list(pool.map(take, headers))
        codes = sorted(a.status_code for a in answers)
        assert codes == [200] + [409] * (len(headers) - 1), [a.text for a in answers]
        winner = next(a.json()["agent_username"] for a in answers if a.status_code == 200)
        card = client.get(f"/api/handoffs/{handoff['id']}", headers=headers[0]).json()
        assert card["agent_username"] == winner
        assert [e["action"] for e in card["log"]] == ["requested", "taken"]


def test_passing_a_conversation_on(client, handoff_request, agents, fake_rasa):
    handoff = handoff_request(cid()).json()
    url = f"/api/handoffs/{handoff['id']}"
    client.post(f"{url}/take", headers=agents["alice"])

    # Only the holder (or a supervisor) passes it on, only to an active account.
    assert client.post(f"{url}/transfer", json={"username": "carol"}, headers=agents["bob"]).status_code == 403
    assert client.post(f"{url}/transfer", json={"username": "nobody"}, headers=agents["alice"]).status_code == 422
    moved = client.post(
        f"{url}/transfer", json={"username": "bob", "note": "speaks Azerbaijani"}, headers=agents["alice"]
    )
    assert moved.status_code == 200 and moved.json()["agent_username"] == "bob"
    assert moved.json()["agent_name"] == "Bob" and moved.json()["status"] == "active"

    # Now Alice may no longer write; Bob may.
    assert client.post(f"{url}/messages", json={"text": "Добрый день"}, headers=agents["alice"]).status_code == 403
    assert client.post(f"{url}/messages", json={"text": "Добрый день"}, headers=agents["bob"]).status_code == 201

    # Back to the queue: somebody else takes it.
    requeued = client.post(f"{url}/transfer", json={"username": None}, headers=agents["bob"])
    assert requeued.status_code == 200 and requeued.json()["status"] == "waiting"
    assert requeued.json()["agent_username"] is None
    assert client.post(f"{url}/take", headers=agents["carol"]).status_code == 200
    # A supervisor may move anybody's conversation.
    assert client.post(f"{url}/transfer", json={"username": "alice"}, headers=agents["sam"]).status_code == 200
    log = client.get(url, headers=agents["sam"]).json()["log"]
    assert [(e["action"], e["actor"], e.get("to")) for e in log] == [
        ("requested", "service", None),
        ("taken", "alice", None),
        ("transferred", "alice", "bob"),
        ("requeued", "bob", None),
        ("taken", "carol", None),
        ("transferred", "sam", "alice"),
    ]


# --- writing to the customer -------------------------------------------------------------------------


def test_an_agent_writes_through_rasas_tracker_events(client, handoff_request, agents, fake_rasa):
    conversation = cid()
    handoff = handoff_request(conversation).json()
    url = f"/api/handoffs/{handoff['id']}"
    # Not before taking it.
    assert client.post(f"{url}/messages", json={"text": "Здравствуйте"}, headers=agents["alice"]).status_code == 409
    client.post(f"{url}/take", headers=agents["alice"])
    mark = fake_rasa.mark()
    sent = client.post(f"{url}/messages", json={"text": "  Здравствуйте, я Алиса.  "}, headers=agents["alice"])
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert message["role"] == "agent" and message["text"] == "Здравствуйте, я Алиса."
    assert message["agent_username"] == "alice" and message["delivered_at"] and message["delivery_error"] is None

    (call,) = [c for c in fake_rasa.requests[mark:] if c["conversation_id"] == conversation]
    assert call["kind"] == "tracker/events"
    assert call["query"]["output_channel"] == "latest" and call["query"]["execute_side_effects"] == "true"
    # The token is the key of the header JWT, never a query parameter (access logs keep URLs).
    assert "token" not in call["query"] and call["user"] == {"username": "backend", "role": "admin"}
    (event,) = call["json"]
    assert event["event"] == "bot" and event["text"] == "Здравствуйте, я Алиса."
    assert event["metadata"]["agent"] == "Alice" and event["metadata"]["message_key"].startswith("agent:")

    transcript = client.get(f"{url}/messages", headers=agents["bob"]).json()
    assert [(m["role"], m["text"]) for m in transcript] == [("agent", "Здравствуйте, я Алиса.")]
    assert client.post(f"{url}/messages", json={"text": "   "}, headers=agents["alice"]).status_code == 422


def test_a_message_rasa_did_not_take_is_kept_and_marked(client, handoff_request, agents, fake_rasa):
    handoff = handoff_request(cid()).json()
    url = f"/api/handoffs/{handoff['id']}"
    client.post(f"{url}/take", headers=agents["alice"])
    fake_rasa.fail_with = 500
    failed = client.post(f"{url}/messages", json={"text": "Вы меня слышите?"}, headers=agents["alice"])
    assert failed.status_code == 502 and "not delivered" in failed.json()["detail"]
    (kept,) = client.get(f"{url}/messages", headers=agents["alice"]).json()
    assert kept["delivered_at"] is None and kept["delivery_error"] == "rasa answered 500"


# --- giving it back ----------------------------------------------------------------------------------


def test_return_to_bot_resumes_and_asks_again(client, handoff_request, agents, fake_rasa):
    conversation = cid()
    handoff = handoff_request(conversation).json()
    url = f"/api/handoffs/{handoff['id']}"
    assert client.post(f"{url}/return", headers=agents["alice"]).status_code == 409  # nobody has it yet
    client.post(f"{url}/take", headers=agents["alice"])
    assert client.post(f"{url}/return", headers=agents["bob"]).status_code == 403

    fake_rasa.fail_with = 503
    refused = client.post(f"{url}/return", headers=agents["alice"])
    assert refused.status_code == 502
    assert client.get(url, headers=agents["alice"]).json()["status"] == "active"  # still Alice's

    fake_rasa.fail_with = None
    mark = fake_rasa.mark()
    back = client.post(f"{url}/return", json={"note": "customer calmed down"}, headers=agents["alice"])
    assert back.status_code == 200, back.text
    assert back.json()["status"] == "closed" and back.json()["outcome"] == "returned"
    calls = [c for c in fake_rasa.requests[mark:] if c["conversation_id"] == conversation]
    assert [(c["kind"], c["json"]) for c in calls] == [
        ("tracker/events", [{"event": "resume"}, {"event": "action", "name": "action_listen"}]),
        ("trigger_intent", {"name": "EXTERNAL_resume"}),
    ]
    assert calls[1]["query"]["output_channel"] == "latest"
    assert fake_rasa.paused[conversation] is False

    # Closed: no more messages, not in the queue; a new request opens a new handoff.
    assert client.post(f"{url}/messages", json={"text": "ещё"}, headers=agents["alice"]).status_code == 409
    assert client.get("/api/handoffs", headers=agents["alice"]).json() == []
    assert [h["id"] for h in client.get("/api/handoffs?status=closed", headers=agents["alice"]).json()] == [
        handoff["id"]
    ]
    renewed = handoff_request(conversation)
    assert renewed.status_code == 201 and renewed.json()["id"] != handoff["id"]


def test_close_resumes_without_asking(client, handoff_request, agents, fake_rasa):
    conversation = cid()
    handoff = handoff_request(conversation).json()
    client.post(f"/api/handoffs/{handoff['id']}/take", headers=agents["bob"])
    mark = fake_rasa.mark()
    closed = client.post(f"/api/handoffs/{handoff['id']}/close", headers=agents["bob"])
    assert closed.status_code == 200 and closed.json()["outcome"] == "closed"
    calls = [c for c in fake_rasa.requests[mark:] if c["conversation_id"] == conversation]
    assert [c["kind"] for c in calls] == ["tracker/events"]


def test_the_builtin_agent_token_works_the_queue(client, handoff_request, agent_headers, fake_rasa):
    handoff = handoff_request(cid()).json()
    url = f"/api/handoffs/{handoff['id']}"
    assert client.post(f"{url}/take", headers=agent_headers).json()["agent_username"] == "agent"
    assert client.post(f"{url}/messages", json={"text": "ok"}, headers=agent_headers).status_code == 201
    assert client.post(f"{url}/return", headers=agent_headers).status_code == 200


def test_the_service_token_cannot_act_as_an_agent(client, handoff_request, service_headers):
    handoff = handoff_request(cid()).json()
    assert client.get("/api/handoffs", headers=service_headers).status_code == 403
    assert client.post(f"/api/handoffs/{handoff['id']}/take", headers=service_headers).status_code == 403


def test_unknown_handoff(client, agent_headers):
    assert client.get("/api/handoffs/999999", headers=agent_headers).status_code == 404
    assert client.post("/api/handoffs/999999/take", headers=agent_headers).status_code == 404


# --- the card's complaint ----------------------------------------------------------------------------


def test_the_card_shows_the_complaint_registered_from_it(client, handoff_request, agents, payload, fake_rasa):
    conversation = cid()
    handoff = handoff_request(conversation).json()
    url = f"/api/handoffs/{handoff['id']}"
    client.post(f"{url}/take", headers=agents["alice"])
    registered = client.post(
        "/api/complaints",
        json=payload("eurolux", conversation_id=conversation, channel="telegram", language="ru"),
        headers={**agents["alice"], "Idempotency-Key": f"handoff-{handoff['id']}"},
    )
    assert registered.status_code == 201, registered.text
    number = registered.json()["tracking_number"]
    linked = client.post(f"{url}/complaint", json={"tracking_number": number.lower()}, headers=agents["alice"])
    assert linked.status_code == 200, linked.text
    card = linked.json()
    assert card["tracking_number"] == number and card["complaint"]["tracking_number"] == number
    assert card["complaint"]["deadlines"]["acknowledge_by"].endswith("+04:00")
    assert card["missing_fields"] == []
    assert (
        client.post(f"{url}/complaint", json={"tracking_number": "ZZZZ-ZZZZ"}, headers=agents["alice"]).status_code
        == 404
    )
    assert client.post(f"{url}/complaint", json={"tracking_number": "nope"}, headers=agents["alice"]).status_code == 422

    # Closing then ends the bot's form: the complaint is registered already.
    mark = fake_rasa.mark()
    assert client.post(f"{url}/close", headers=agents["alice"]).status_code == 200
    calls = [c["json"] for c in fake_rasa.requests[mark:] if c["conversation_id"] == conversation]
    assert calls == [
        [
            {"event": "active_loop", "name": None},
            {"event": "slot", "name": "requested_slot", "value": None},
            {"event": "slot", "name": "tracking_number", "value": number},
        ],
        [{"event": "resume"}, {"event": "action", "name": "action_listen"}],
    ]


# --- working hours -----------------------------------------------------------------------------------


def availability(client, headers, policy: str, at: str) -> dict:
    answer = client.get("/api/handoffs/availability", params={"policy": policy, "at": at}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize(
    ("policy", "at", "within", "next_shift", "reply_by"),
    [
        # Eurolux (Baku): Monday-Friday 09:00-18:00, Saturday 10:00-16:00.
        ("eurolux", "2026-03-18T11:00:00+04:00", True, None, "2026-03-18T11:30:00+04:00"),
        ("eurolux", "2026-03-18T19:15:00+04:00", False, "2026-03-19T09:00:00+04:00", "2026-03-19T09:30:00+04:00"),
        ("eurolux", "2026-03-19T08:59:00+04:00", False, "2026-03-19T09:00:00+04:00", "2026-03-19T09:30:00+04:00"),
        # Saturday: the shops' short shift.
        ("eurolux", "2026-04-04T12:00:00+04:00", True, None, "2026-04-04T12:30:00+04:00"),
        ("eurolux", "2026-04-04T16:30:00+04:00", False, "2026-04-06T09:00:00+04:00", "2026-04-06T09:30:00+04:00"),
        # Novruz and Ramazan bayrami with their observed days: 20-27 and 30 March 2026 are off;
        # Saturday 28 March is an ordinary Saturday.
        ("kontakt", "2026-03-20T10:00:00+04:00", False, "2026-03-28T10:00:00+04:00", "2026-03-28T10:30:00+04:00"),
        ("music_gallery", "2026-03-29T12:00:00+04:00", False, "2026-03-31T09:00:00+04:00", "2026-03-31T09:30:00+04:00"),
        # Poliser (Istanbul), no Saturday shift: Friday evening -> Monday 08:30.
        ("poliser", "2026-05-08T18:00:00+03:00", False, "2026-05-11T08:30:00+03:00", "2026-05-11T09:00:00+03:00"),
        ("poliser", "2026-05-09T11:00:00+03:00", False, "2026-05-11T08:30:00+03:00", "2026-05-11T09:00:00+03:00"),
        # Republic Day, Thursday 29 October 2026.
        ("poliser", "2026-10-29T10:00:00+03:00", False, "2026-10-30T08:30:00+03:00", "2026-10-30T09:00:00+03:00"),
        # Romania: St Andrew (30 Nov, Monday) and National Day (1 Dec) -> Wednesday 2 December.
        ("inverter_eu", "2026-11-27T17:30:00+02:00", False, "2026-12-02T09:00:00+02:00", "2026-12-02T09:30:00+02:00"),
        # A time given in another zone is read as that moment: 07:00 UTC is 11:00 in Baku.
        ("eurolux", "2026-03-18T07:00:00Z", True, None, "2026-03-18T11:30:00+04:00"),
    ],
)
def test_working_hours_of_each_policy(client, agent_headers, policy, at, within, next_shift, reply_by):
    answer = availability(client, agent_headers, policy, at)
    assert answer["within_working_hours"] is within
    assert answer["next_shift_starts"] == next_shift
    assert answer["expected_reply_by"] == reply_by


def test_a_handoff_outside_hours_names_the_next_shift(client, handoff_request, agent_headers):
    """The queued handoff makes the same promise as the availability at that moment."""
    before = utcnow()
    body = handoff_request(cid(), policy="poliser", language="tr").json()
    expected = availability(client, agent_headers, "poliser", before.isoformat())
    assert body["within_working_hours"] == expected["within_working_hours"]
    assert body["expected_reply_by"].endswith("+03:00")
    reply_by = dt.datetime.fromisoformat(body["expected_reply_by"])
    if body["within_working_hours"]:
        assert dt.timedelta(minutes=29) < reply_by - before < dt.timedelta(minutes=31)
    else:
        assert body["next_shift_starts"] == expected["next_shift_starts"]
