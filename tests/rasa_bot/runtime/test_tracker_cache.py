"""bot.runtime.tracker_cache: a retrieved tracker is the one Rasa's store would build from the
database, while a turn reads only the events it has not seen."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime import tracker_cache
from bot.runtime.tracker_cache import CachingSQLTrackerStore

ROOT = Path(__file__).resolve().parents[3]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
SENDER = "wc:bench-cache"


def _store(tmp_path: Path, size: int = 100) -> CachingSQLTrackerStore:
    return CachingSQLTrackerStore(
        host=f"sqlite:///{tmp_path / 'tracker.db'}", domain=DOMAIN, event_broker=None, cache_size=size
    )


def _plain(tmp_path: Path) -> SQLTrackerStore:
    return SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))


def _turn(text: str, *events) -> list:
    return [
        UserUttered(text, {"name": "inform", "confidence": 1.0}, parse_data={"text": text}),
        *events,
        ActionExecuted("action_listen"),
    ]


def _state(tracker: DialogueStateTracker) -> tuple:
    return (
        [e.as_dict() | {"timestamp": 0} for e in tracker.events],
        tracker.current_slot_values(),
        tracker.active_loop_name,
        tracker.latest_message.text,
    )


def _run(coro):
    return asyncio.run(coro)


async def _apply(store: CachingSQLTrackerStore, tracker: DialogueStateTracker, events) -> None:
    """A turn's events added to the tracker, which is then saved."""
    for event in events:
        tracker.update(event)
    await store.save(tracker)


async def _new_conversation(store: CachingSQLTrackerStore) -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events(SENDER, [ActionExecuted("action_session_start"), SessionStarted()])
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    return await store.retrieve(SENDER)


def test_turn_after_turn_the_tracker_is_what_the_database_holds(tmp_path):
    store = _store(tmp_path)

    async def conversation():
        tracker = await _new_conversation(store)
        for n, events in enumerate(
            [
                _turn("хочу пожаловаться", ActiveLoop("complaint_form"), SlotSet("requested_slot", "full_name")),
                _turn("Алиев Рашад", SlotSet("full_name", "Алиев Рашад"), BotUttered("Телефон?")),
                _turn("050 123 45 67", SlotSet("phone", "+994501234567"), SlotSet("requested_slot", "staff_member")),
            ]
        ):
            await _apply(store, tracker, events)
            tracker = await store.retrieve(SENDER)
            assert _state(tracker) == _state(await _plain(tmp_path).retrieve(SENDER)), n
        return tracker

    tracker = _run(conversation())
    assert tracker.get_slot("phone") == "+994501234567" and tracker.active_loop_name == "complaint_form"


def test_a_turn_reads_only_the_rows_it_has_not_seen(tmp_path, monkeypatch):
    store = _store(tmp_path)
    tracker = _run(_new_conversation(store))
    for n in range(20):
        _run(_apply(store, tracker, _turn(f"сообщение {n}", BotUttered(f"ответ {n}"))))
        tracker = _run(store.retrieve(SENDER))
    parsed: list[int] = []
    real = tracker_cache.deserialise_events
    monkeypatch.setattr(tracker_cache, "deserialise_events", lambda rows: parsed.append(len(rows)) or real(rows))
    monkeypatch.setattr(DialogueStateTracker, "from_dict", pytest.fail)  # never rebuilt from every event
    _run(_apply(store, tracker, _turn("ещё", BotUttered("да"))))
    again = _run(store.retrieve(SENDER))
    assert parsed == [0]  # its own turn is already in memory
    assert len(again.events) == len(tracker.events) > 60


def test_what_another_server_stored_in_between_is_read(tmp_path):
    ours, theirs = _store(tmp_path), _store(tmp_path)
    tracker = _run(_new_conversation(ours))
    _run(_apply(ours, tracker, _turn("первое", SlotSet("full_name", "Гасанова Лейла"))))
    # The next message went to the other rasa server (the lock store kept them apart).
    other = _run(theirs.retrieve(SENDER))
    _run(_apply(theirs, other, _turn("второе", SlotSet("phone", "+994551112233"))))
    back = _run(ours.retrieve(SENDER))
    assert back.get_slot("phone") == "+994551112233" and back.get_slot("full_name") == "Гасанова Лейла"
    assert _state(back) == _state(_run(_plain(tmp_path).retrieve(SENDER)))


def test_a_new_session_elsewhere_and_a_pin_stored_masked_read_the_database_again(tmp_path):
    ours, theirs = _store(tmp_path), _store(tmp_path)
    tracker = _run(_new_conversation(ours))
    _run(_apply(ours, tracker, _turn("мой пин 482913", SlotSet("pin", "482913"))))
    assert _run(ours.retrieve(SENDER)).get_slot("pin") is None  # as stored, not as it ran
    other = _run(theirs.retrieve(SENDER))
    _run(
        _apply(
            theirs, other, [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
        )
    )
    fresh = _run(ours.retrieve(SENDER))
    assert _state(fresh) == _state(_run(_plain(tmp_path).retrieve(SENDER)))
    assert [e.type_name for e in fresh.events] == ["session_started", "action"]  # the new session only


def test_a_tracker_the_store_did_not_hand_out_drops_the_copy(tmp_path):
    store = _store(tmp_path)
    tracker = _run(_new_conversation(store))
    stranger = DialogueStateTracker.from_events(SENDER, list(tracker.events))
    stranger.update(SlotSet("full_name", "Мамедов Тимур"))
    _run(store.save(stranger))
    assert SENDER not in store._entries
    assert _run(store.retrieve(SENDER)).get_slot("full_name") == "Мамедов Тимур"


def test_the_oldest_conversations_leave_the_cache_and_zero_turns_it_off(tmp_path):
    store = _store(tmp_path, size=2)
    for n in range(3):
        tracker = DialogueStateTracker.from_events(f"c{n}", [ActionExecuted("action_listen")])
        _run(store.save(tracker))
        _run(store.retrieve(f"c{n}"))
    assert list(store._entries) == ["c1", "c2"]
    off = _store(tmp_path, size=0)
    assert _run(off.retrieve("c0")) is not None and not off._entries
