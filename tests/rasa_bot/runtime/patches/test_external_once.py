"""bot.runtime.patches.external_once on Rasa's own events: which trigger_intent entities carry a notification
key, and when a tracker already holds it. The whole path through a rasa server is in
tests/e2e/test_status.py::test_a_notification_sent_twice_enters_the_conversation_once."""

from __future__ import annotations

from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime.patches.external_once import already_in, notification_key


def test_the_key_in_both_forms_of_entities():
    assert notification_key({"tracking_number": "K7QM-4PXR", "notification_id": "n-1"}) == "n-1"
    assert notification_key([{"entity": "notification_id", "value": "n-2"}]) == "n-2"
    assert notification_key({"tracking_number": "K7QM-4PXR"}) is None
    assert notification_key([{"entity": "notification_id", "value": ""}]) is None
    assert notification_key(None) is None and notification_key("n-3") is None


def test_a_tracker_holds_a_key_only_in_a_user_event_carrying_it():
    tracker = DialogueStateTracker.from_events(
        "c-1",
        [
            ActionExecuted("action_listen"),
            UserUttered("hello", {"name": "greet"}, [{"entity": "tracking_number", "value": "n-1"}]),
            UserUttered.create_external("EXTERNAL_decision", [{"entity": "notification_id", "value": "n-2"}]),
        ],
    )
    assert already_in(tracker, "n-2")
    assert not already_in(tracker, "n-1")  # the same text under another entity is not a key
    assert not already_in(tracker, "n-3")
