"""The agent console in-process: the page and its assets, and the websocket feed (auth by the
first message, the queue, the new messages of handed-over conversations)."""

from __future__ import annotations

import concurrent.futures
import time
import uuid

import pytest
from starlette.websockets import WebSocketDisconnect


def cid() -> str:
    return f"conv-{uuid.uuid4().hex[:12]}"


def receive(ws, timeout: float = 5.0) -> dict:
    """ws.receive_json with a time limit (a missing push must fail, not hang)."""
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        return pool.submit(ws.receive_json).result(timeout=timeout)
    finally:
        pool.shutdown(wait=False)


def until(ws, predicate, timeout: float = 5.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        data = receive(ws, max(0.1, deadline - time.monotonic()))
        if predicate(data):
            return data


def test_the_page_and_its_assets(client):
    page = client.get("/agent")
    assert page.status_code == 200 and '<script type="module" src="/agent/agent.js"></script>' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/agent/agent.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/agent/agent.css").headers["content-type"].startswith("text/css")
    assert client.get("/agent/index.html").status_code == 404
    assert client.get("/agent/secret.py").status_code == 404


def test_the_console_reads_the_status_transitions_from_the_api(client, agent_headers, service_headers):
    """agent.js offers the statuses a complaint may change to as GET /api/statuses gives them
    (contract.statuses, the same table the status route enforces)."""
    from contract.statuses import STATUS_TRANSITIONS, ComplaintStatus

    assert client.get("/api/statuses").status_code == 401
    assert client.get("/api/statuses", headers=service_headers).status_code == 403
    answer = client.get("/api/statuses", headers=agent_headers).json()
    assert answer["statuses"] == [status.value for status in ComplaintStatus]
    assert {status: set(later) for status, later in answer["transitions"].items()} == {
        status.value: {later.value for later in allowed} for status, allowed in STATUS_TRANSITIONS.items()
    }
    assert answer["transitions"]["resolved"] == ["closed", "reopened", "disputed"]
    assert "STATUS_NEXT = {" not in client.get("/agent/agent.js").text


@pytest.mark.parametrize("first", [{"type": "auth", "token": "wrong"}, {"type": "hello"}, {"token": "x"}])
def test_the_feed_wants_a_valid_token_first(client, first, service_headers):
    with client.websocket_connect("/api/console/ws") as ws:
        ws.send_json(first)
        with pytest.raises(WebSocketDisconnect) as closed:
            receive(ws)
        assert closed.value.code == 4401


def test_the_service_token_gets_no_feed(client):
    from tests.backend.conftest import SERVICE_TOKEN

    with client.websocket_connect("/api/console/ws") as ws:
        ws.send_json({"type": "auth", "token": SERVICE_TOKEN})
        with pytest.raises(WebSocketDisconnect):
            receive(ws)


def test_the_feed_pushes_the_queue_and_new_messages(client, handoff_request, service_headers, make_agent, login):
    make_agent("alice")
    alice = login("alice")
    conversation = cid()
    with client.websocket_connect("/api/console/ws") as ws:
        ws.send_json({"type": "auth", "token": alice["Authorization"].split()[1]})
        hello = receive(ws)
        assert hello == {"type": "hello", "agent": {"username": "alice", "display_name": "Alice"}}
        assert receive(ws) == {"type": "queue", "handoffs": []}

        started = time.perf_counter()
        handoff = handoff_request(conversation).json()
        queue = until(ws, lambda d: d["type"] == "queue" and d["handoffs"])
        assert [h["id"] for h in queue["handoffs"]] == [handoff["id"]]
        assert queue["handoffs"][0]["status"] == "waiting"
        assert time.perf_counter() - started < 1.0

        started = time.perf_counter()
        event = {"sender_id": conversation, "event": "user", "timestamp": time.time(), "text": "<b>алло</b>"}
        client.post("/api/internal/rasa-events", json={"events": [event]}, headers=service_headers)
        pushed = until(ws, lambda d: d["type"] == "messages")
        assert [(m["role"], m["text"]) for m in pushed["messages"]] == [("user", "<b>алло</b>")]
        assert time.perf_counter() - started < 1.0

        # Conversations nobody handed over are not pushed.
        quiet = {"sender_id": cid(), "event": "user", "timestamp": time.time(), "text": "не для консоли"}
        client.post("/api/internal/rasa-events", json={"events": [quiet]}, headers=service_headers)
        client.post(f"/api/handoffs/{handoff['id']}/take", headers=alice)
        taken = until(ws, lambda d: d["type"] in ("queue", "messages"))
        assert taken["type"] == "queue" and taken["handoffs"][0]["agent_username"] == "alice"

        ws.send_json({"type": "ping"})
        assert until(ws, lambda d: d["type"] == "pong")


def test_logging_out_ends_the_feed(client, make_agent, login, monkeypatch):
    from backend.app.workspace import views as console

    monkeypatch.setattr(console, "_RECHECK_SECONDS", 0.2)
    make_agent("bob")
    bob = login("bob")
    with client.websocket_connect("/api/console/ws") as ws:
        ws.send_json({"type": "auth", "token": bob["Authorization"].split()[1]})
        assert receive(ws)["type"] == "hello"
        assert client.post("/api/auth/logout", headers=bob).status_code in (200, 204)
        with pytest.raises(WebSocketDisconnect) as closed:
            until(ws, lambda d: False, timeout=10)
        assert closed.value.code == 4401


def test_the_feed_pushes_an_agent_their_own_alerts_only(client, app, engine, handoff_request, make_agent, login):
    """A waiting handoff's alert (backend/app/alerts) reaches the handoff team's member live;
    another agent's feed never carries it."""
    from sqlmodel import Session

    from backend.app.policies.profile import load_policies
    from backend.app.teams import service as teams

    alice, bob = make_agent("alice"), make_agent("bob")
    profile = load_policies()["eurolux"]
    with Session(engine) as session:
        team = teams.team_by_key(session=session, policy=profile, key=profile.handoff_team)
        session.commit()
        teams.add_member(session=session, team=team, agent=session.get(type(alice), alice.id), now=team.created_at)
    feeds = {}
    with client.websocket_connect("/api/console/ws") as alice_ws, client.websocket_connect("/api/console/ws") as bob_ws:
        for ws, name in ((alice_ws, "alice"), (bob_ws, "bob")):
            ws.send_json({"type": "auth", "token": login(name)["Authorization"].split()[1]})
            assert receive(ws)["type"] == "hello"
            feeds[name] = ws
        handoff = handoff_request(cid()).json()
        app.state.notifications.dispatcher.run_due()  # the scheduler is off in these tests
        pushed = until(alice_ws, lambda d: d["type"] == "alerts")
        assert [(a["kind"], a["handoff_id"], a["reason"]) for a in pushed["alerts"]] == [
            ("handoff_waiting", handoff["id"], "team")
        ]
        assert "agent_id" not in pushed["alerts"][0]
        # Bob's feed: the queue changes, never the alert (a ping's pong marks the end).
        bob_ws.send_json({"type": "ping"})
        seen = []
        while not seen or seen[-1] != "pong":
            seen.append(receive(bob_ws)["type"])
        assert "alerts" not in seen
    assert bob.id != alice.id
