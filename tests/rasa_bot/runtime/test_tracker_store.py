"""bot.runtime.tracker_store: what a turn saves to Rasa's tracker store holds no PIN in clear,
while the tracker the turn ran on (the one sent to the action server) keeps it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime.tracker_store import RedactingSQLTrackerStore
from contract import pins

ROOT = Path(__file__).resolve().parents[3]
PIN = "482913"


def _store(tmp_path: Path) -> RedactingSQLTrackerStore:
    domain = Domain.load(str(ROOT / "domain.yml"))
    # As Rasa builds a custom tracker store from endpoints.yml: host=url plus the file's keys.
    return RedactingSQLTrackerStore(host=f"sqlite:///{tmp_path / 'tracker.db'}", domain=domain, event_broker=None)


def _rows(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        return [data for (data,) in db.execute("SELECT data FROM events ORDER BY id")]


def _turn(text: str, intent: str, *events) -> list:
    return [UserUttered(text, {"name": intent, "confidence": 1.0}, parse_data={"text": text}), *events]


def test_registration_reply_and_pin_answers_are_stored_masked(tmp_path):
    store = _store(tmp_path)
    tracker = DialogueStateTracker.from_events("wa:+994501234567", [ActionExecuted("action_listen")])
    registered = BotUttered(
        f"Жалоба зарегистрирована: K7QM-4PXR, PIN {PIN}",
        metadata={"utter_action": "utter_registered", "pin": PIN, "tracking_number": "K7QM-4PXR"},
    )
    for event in [*_turn("да", "affirm", ActionExecuted("action_submit_complaint"), registered)]:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    # Status look-up: the bot asks for the PIN, the customer answers it in the next turn.
    for event in [
        *_turn("статус K7QM-4PXR", "check_status", SlotSet("tracking_number", "K7QM-4PXR")),
        SlotSet("requested_slot", "pin"),
        BotUttered("Введите PIN"),
        ActionExecuted("action_listen"),
        *_turn(f"мой пин {PIN}", "inform", SlotSet("pin", PIN), SlotSet("requested_slot", None)),
    ]:
        tracker.update(event)
    assert tracker.get_slot("pin") == PIN  # the turn itself (the action server) sees it
    asyncio.run(store.save(tracker))

    rows = _rows(tmp_path)
    assert rows and not any(PIN in row for row in rows)
    assert any("K7QM-4PXR" in row for row in rows)  # only the PIN goes
    again = asyncio.run(store.retrieve("wa:+994501234567"))
    assert again.get_slot("pin") is None  # a later turn asks for it again
    texts = [e.text for e in again.events if isinstance(e, (UserUttered, BotUttered))]
    assert f"мой пин {pins.MASK}" in texts
    assert f"Жалоба зарегистрирована: K7QM-4PXR, PIN {pins.MASK}" in texts
    assert len(again.events) == len(tracker.events)  # nothing lost, nothing doubled


def test_ordinary_messages_are_stored_as_they_were(tmp_path):
    """Six digits in an answer to another question (an order number) are not a PIN."""
    store = _store(tmp_path)
    tracker = DialogueStateTracker.from_events(
        "rest:c1",
        [
            ActionExecuted("action_listen"),
            SlotSet("requested_slot", "ticket_number"),
            *_turn("чек 123456", "inform", SlotSet("ticket_number", "123456")),
        ],
    )
    asyncio.run(store.save(tracker))
    again = asyncio.run(store.retrieve("rest:c1"))
    assert again.get_slot("ticket_number") == "123456"
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["чек 123456"]


def test_a_pin_found_without_being_asked_is_masked_in_that_turn(tmp_path):
    store = _store(tmp_path)
    tracker = DialogueStateTracker.from_events(
        "rest:c2",
        [ActionExecuted("action_listen"), *_turn(f"проверьте статус, пин {PIN}", "check_status", SlotSet("pin", PIN))],
    )
    asyncio.run(store.save(tracker))
    assert not any(PIN in row for row in _rows(tmp_path))


def test_a_serial_number_in_a_turn_that_looks_like_a_status_question_is_stored_as_typed(tmp_path):
    # "batareya" has the shape of a tracking number, so the turn is read as one that may hold a PIN;
    # the serial's six digits after a letter are still the customer's serial, not a PIN.
    store = _store(tmp_path)
    text = "Solis RHI-5K-48ES-5G, seriya nömrəsi 1805 2F11 0937, batareya 30 faizdə qalır"
    tracker = DialogueStateTracker.from_events(
        "rest:c3",
        [
            ActionExecuted("action_listen"),
            *_turn(text, "complain", SlotSet("serial_number", "18052F110937"), SlotSet("complaint_text", f"pin {PIN}")),
        ],
    )
    asyncio.run(store.save(tracker))
    rows = _rows(tmp_path)
    assert any('"18052F110937"' in row for row in rows)
    assert not any(PIN in row for row in rows)


def test_a_pin_alone_given_as_a_code_is_still_masked(tmp_path):
    store = _store(tmp_path)
    tracker = DialogueStateTracker.from_events(
        "rest:c4",
        [ActionExecuted("action_listen"), *_turn(f"K7QM-4PXR {PIN}", "check_status", SlotSet("serial_number", PIN))],
    )
    asyncio.run(store.save(tracker))
    assert not any(PIN in row for row in _rows(tmp_path))
