"""bot.runtime.patches.event_types finds the same event class as Rasa's own walk over Event's subclasses, for
every event name, and answers unknown names the same way."""

from __future__ import annotations

from pathlib import Path

import pytest
import rasa.shared.utils.common
from rasa.shared.core.events import Event, SlotSet, UserUttered

from bot.runtime.patches import event_types

ROOT = Path(__file__).resolve().parents[4]
NAMES = sorted({cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)})


@pytest.fixture(autouse=True)
def installed():
    event_types.install()
    yield
    event_types.install()  # as bot.runtime.patches.install_all leaves it


def stock(name: str, default=None):
    event_types.uninstall()
    try:
        return Event.resolve_by_type(name, default)
    finally:
        event_types.install()


def test_every_event_name_resolves_to_rasas_class():
    assert len(NAMES) > 20
    for name in NAMES:
        assert Event.resolve_by_type(name) is stock(name), name


def test_unknown_names_as_rasa_answers_them():
    assert Event.resolve_by_type("topic") is None and stock("topic") is None
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")
    with pytest.raises(ValueError):
        stock("no_such_event")


def test_events_round_trip_through_the_table():
    events = [UserUttered("Здравствуйте", {"name": "greet", "confidence": 0.9}), SlotSet("language", "ru")]
    assert [Event.from_parameters(e.as_dict()) for e in events] == events


def test_an_event_class_defined_later_is_found():
    Event.resolve_by_type("slot")  # the table exists now

    class LateEvent(SlotSet):
        type_name = "late_event_for_test"

    assert Event.resolve_by_type("late_event_for_test") is LateEvent
