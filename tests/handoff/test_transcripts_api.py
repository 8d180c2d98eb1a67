"""Conversation messages from the rasa server's event broker: stored once each, linked to the
complaint of their conversation, and the open handoff's card kept current."""

from __future__ import annotations

import time
import uuid

import pytest


def cid() -> str:
    return f"conv-{uuid.uuid4().hex[:12]}"


def user(conversation: str, text: str, ts: float, channel: str = "telegram", **more) -> dict:
    return {"sender_id": conversation, "event": "user", "timestamp": ts, "text": text, "input_channel": channel, **more}


def bot(conversation: str, text: str, ts: float, **more) -> dict:
    return {"sender_id": conversation, "event": "bot", "timestamp": ts, "text": text, **more}


@pytest.fixture
def post_events(client, service_headers):
    def _post(*events: dict):
        answer = client.post("/api/internal/rasa-events", json={"events": list(events)}, headers=service_headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    return _post


def test_messages_are_stored_once_in_order(client, post_events, agent_headers):
    conversation = cid()
    now = time.time()
    batch = [
        user(conversation, "Здравствуйте", now, message_id="m1", intent="greet"),
        {"sender_id": conversation, "event": "action", "timestamp": now + 0.1, "name": "utter_greet"},
        bot(conversation, "Здравствуйте! Чем помочь?", now + 0.2, buttons=["Жалоба", "Статус"]),
        user(conversation, "оператор", now + 5, message_id="m2", intent="human_handoff"),
    ]
    assert post_events(*batch) == {"received": 4, "messages": 3}
    # The broker sends a batch again after a timeout: nothing doubles.
    assert post_events(*batch) == {"received": 4, "messages": 0}
    messages = client.get(f"/api/conversations/{conversation}/messages", headers=agent_headers).json()
    assert [(m["role"], m["text"]) for m in messages] == [
        ("user", "Здравствуйте"),
        ("bot", "Здравствуйте! Чем помочь?"),
        ("user", "оператор"),
    ]
    assert messages[1]["buttons"] == ["Жалоба", "Статус"] and messages[1]["channel"] == "telegram"
    assert messages[2]["intent"] == "human_handoff"


def test_the_backends_own_trigger_is_not_a_customer_message(client, post_events, agent_headers):
    conversation = cid()
    now = time.time()
    post_events(
        user(conversation, "EXTERNAL: EXTERNAL_resume", now, intent="EXTERNAL_resume"),
        user(conversation, '/switch_language{"language":"az"}', now + 1, intent="switch_language"),
    )
    messages = client.get(f"/api/conversations/{conversation}/messages", headers=agent_headers).json()
    assert [m["text"] for m in messages] == ['/switch_language{"language":"az"}']


def test_only_the_service_token_feeds_events(client, agent_headers):
    body = {"events": [user(cid(), "x", time.time())]}
    assert client.post("/api/internal/rasa-events", json=body).status_code == 401
    assert client.post("/api/internal/rasa-events", json=body, headers=agent_headers).status_code == 403


def test_slot_and_pause_events_keep_the_card_current(client, post_events, handoff_request, agent_headers):
    conversation = cid()
    handoff = handoff_request(conversation).json()
    now = time.time()
    post_events(
        {"sender_id": conversation, "event": "pause", "timestamp": now},
        user(conversation, "Телефон 050 111 22 33, жалоба на кассира", now + 1),
        {"sender_id": conversation, "event": "slot", "timestamp": now + 1, "name": "complaint_text", "value": "кассир"},
        {"sender_id": conversation, "event": "slot", "timestamp": now + 1, "name": "language", "value": "ru"},
    )
    card = client.get(f"/api/handoffs/{handoff['id']}", headers=agent_headers).json()
    assert card["slots"]["complaint_text"] == "кассир" and "language" not in card["slots"]
    assert card["bot_paused"] is True and card["missing_fields"] == []
    post_events({"sender_id": conversation, "event": "resume", "timestamp": now + 2})
    assert client.get(f"/api/handoffs/{handoff['id']}", headers=agent_headers).json()["bot_paused"] is False


def test_an_agents_message_echoed_by_the_broker_is_not_doubled(client, post_events, handoff_request, make_agent, login):
    make_agent("alice")
    alice = login("alice")
    conversation = cid()
    handoff = handoff_request(conversation).json()
    client.post(f"/api/handoffs/{handoff['id']}/take", headers=alice)
    sent = client.post(f"/api/handoffs/{handoff['id']}/messages", json={"text": "Я здесь"}, headers=alice).json()
    # What Rasa's tracker store publishes for the bot event the backend appended.
    echo = bot(conversation, "Я здесь", time.time(), metadata={"agent": "Alice", "message_key": _key_of(client, sent)})
    assert post_events(echo)["messages"] == 0
    # An agent message sent some other way (straight to Rasa) still enters as an agent's.
    post_events(bot(conversation, "Коллега на связи", time.time(), metadata={"agent": "Bob"}))
    messages = client.get(f"/api/handoffs/{handoff['id']}/messages", headers=alice).json()
    assert [(m["role"], m["text"], m["agent_name"]) for m in messages] == [
        ("agent", "Я здесь", "Alice"),
        ("agent", "Коллега на связи", "Bob"),
    ]


def _key_of(client, message: dict) -> str:
    from sqlmodel import Session

    from backend.app.conversations.models import ConversationMessage

    with Session(client.app.state.engine) as session:
        row = session.get(ConversationMessage, message["id"])
        assert row is not None
        return row.event_key


def test_a_complaint_keeps_the_transcript_of_its_own_part(client, post_events, register, agent_headers):
    """Two complaints from one Telegram chat: each keeps its own part, the bot's confirmation
    included; the part of the second starts when the customer writes again."""
    conversation = cid()
    t0 = time.time() - 3600
    post_events(user(conversation, "первая жалоба", t0), bot(conversation, "Записал", t0 + 1))
    first = register("eurolux", conversation_id=conversation, channel="telegram", language="ru")
    post_events(
        bot(conversation, f"Номер {first['tracking_number']}", time.time()),
        user(conversation, "и ещё одна", time.time() + 0.01),
    )
    time.sleep(0.05)
    second = register("eurolux", conversation_id=conversation, channel="telegram", language="ru")
    post_events(bot(conversation, f"Номер {second['tracking_number']}", time.time() + 0.1))

    first_t = client.get(f"/api/complaints/{first['tracking_number']}/transcript", headers=agent_headers).json()
    second_t = client.get(f"/api/complaints/{second['tracking_number']}/transcript", headers=agent_headers).json()
    assert [m["text"] for m in first_t] == ["первая жалоба", "Записал", f"Номер {first['tracking_number']}"]
    assert [m["text"] for m in second_t] == ["и ещё одна", f"Номер {second['tracking_number']}"]
    assert client.get("/api/complaints/ZZZZ-ZZZZ/transcript", headers=agent_headers).status_code == 404


def test_html_in_customer_text_is_stored_as_written(client, post_events, agent_headers):
    """The API returns text as the customer wrote it; the console shows it as text (browser test)."""
    conversation = cid()
    payload = '<img src=x onerror="window.__xss=1"><script>alert(1)</script>'
    post_events(user(conversation, payload, time.time()))
    (message,) = client.get(f"/api/conversations/{conversation}/messages", headers=agent_headers).json()
    assert message["text"] == payload


def test_no_pin_is_kept_in_a_transcript(client, post_events, handoff_request, make_agent, login, fake_rasa):
    conversation = cid()
    post_events(bot(conversation, "Номер K7QM-4PXR, PIN-код: 885784", time.time()))
    make_agent("alice")
    alice = login("alice")
    handoff = handoff_request(conversation).json()
    client.post(f"/api/handoffs/{handoff['id']}/take", headers=alice)
    mark = fake_rasa.mark()
    sent = client.post(f"/api/handoffs/{handoff['id']}/messages", json={"text": "Ваш PIN: 123456"}, headers=alice)
    assert sent.status_code == 201 and sent.json()["text"] == "Ваш PIN: ••••••"
    # The customer gets it as written.
    assert fake_rasa.requests[mark]["json"][0]["text"] == "Ваш PIN: 123456"
    texts = [m["text"] for m in client.get(f"/api/conversations/{conversation}/messages", headers=alice).json()]
    assert texts == ["Номер K7QM-4PXR, PIN-код: ••••••", "Ваш PIN: ••••••"]


def test_erasing_a_customer_takes_their_transcripts(
    client, post_events, handoff_request, register, make_agent, login, agent_headers
):
    make_agent("root", role="admin")
    admin = login("root")
    conversation = cid()
    post_events(user(conversation, "Меня зовут Мамедова Лейла, телефон 050 123 45 67", time.time()))
    handoff = handoff_request(conversation).json()
    client.post(f"/api/handoffs/{handoff['id']}/take", headers=agent_headers)
    client.post(f"/api/handoffs/{handoff['id']}/close", headers=agent_headers)
    registered = register("eurolux", conversation_id=conversation, phone="050 123 45 67")
    other = cid()
    post_events(user(other, "другой клиент", time.time()))

    erased = client.post("/api/privacy/erase", json={"phone": "+994 50 123 45 67"}, headers=admin)
    assert erased.status_code == 200, erased.text
    assert client.get(f"/api/conversations/{conversation}/messages", headers=agent_headers).json() == []
    assert client.get(f"/api/complaints/{registered['tracking_number']}/transcript", headers=agent_headers).json() == []
    card = client.get(f"/api/handoffs/{handoff['id']}", headers=agent_headers).json()
    assert card["slots"] == {} and card["conversation_id"] == f"erased-{handoff['id']}"
    assert card["status"] == "closed" and card["reason"] == "requested"  # the statistics stay
    assert len(client.get(f"/api/conversations/{other}/messages", headers=agent_headers).json()) == 1


def test_transcripts_that_never_became_a_complaint_are_purged(
    client, post_events, register, handoff_request, agent_headers, settings, capsys
):
    from backend.manage import main

    old = time.time() - 40 * 86400
    abandoned, registered, recent, waiting = cid(), cid(), cid(), cid()
    post_events(user(abandoned, "бросил на полпути", old), bot(abandoned, "Как вас зовут?", old + 1))
    post_events(user(registered, "жалоба", old))
    register("eurolux", conversation_id=registered)
    post_events(user(recent, "давно", old), user(recent, "и сегодня", time.time()))
    post_events(user(waiting, "жду оператора с прошлого месяца", old))
    handoff_request(waiting)

    assert main(["purge-transcripts", "--older-than-days", "30"], settings=settings) == 0
    assert "2 message(s)" in capsys.readouterr().out

    def count(conversation: str) -> int:
        return len(client.get(f"/api/conversations/{conversation}/messages", headers=agent_headers).json())

    assert [count(c) for c in (abandoned, registered, recent, waiting)] == [0, 1, 2, 1]
