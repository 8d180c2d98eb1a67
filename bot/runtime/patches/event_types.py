# Changes: rasa.shared.core.events.Event.resolve_by_type (Rasa walks every subclass of Event for each
# event dict it reads).
# Shown by: tests/rasa_bot/runtime/patches/test_event_types.py (the same class for every name, the same
# answer for unknown ones).
"""Event classes looked up by name from a table, not by walking every subclass of Event.

Rasa 3.6 turns each stored or received event dict into an object through
`Event.resolve_by_type(type_name)`, which walks `all_subclasses(Event)` (about 40 classes,
recursively, with an `inspect.isabstract` check each) on every call. A turn loads the whole
conversation from the tracker store and reads every action server answer, so that walk ran
hundreds of times per customer message: about 5% of the rasa server's busy time under
`make bench-load` (py-spy).

`install()` replaces it with a table built from the same walk, in the same order (the first
class with a name wins, as in Rasa's loop). A name the table does not know rebuilds it once,
so an event class defined after the first look-up (a custom one) is still found; an unknown
name then behaves exactly as Rasa's does (`default`, None for the legacy "topic", or
ValueError).
"""

from __future__ import annotations

import rasa.shared.utils.common
from rasa.shared.core.events import Event

_STOCK = Event.__dict__["resolve_by_type"]
_table: dict[str, type[Event]] = {}


def _build() -> None:
    table: dict[str, type[Event]] = {}
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        table.setdefault(cls.type_name, cls)
    _table.clear()
    _table.update(table)


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    found = _table.get(type_name)
    if found is None:
        _build()
        found = _table.get(type_name)
    if found is not None:
        return found
    if type_name == "topic":
        return None  # Rasa's backwards compatibility for old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def install() -> None:
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]


def uninstall() -> None:
    Event.resolve_by_type = _STOCK  # type: ignore[method-assign]
