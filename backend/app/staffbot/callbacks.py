"""The staff bot's callback data: `<action>:<id>`, well under Telegram's 64 bytes."""

from __future__ import annotations

TAKE = "take"  # a waiting handoff
ASSIGN = "assign"  # a complaint, to the agent who pressed
SNOOZE = "snooze"  # an alert
TAKEN = "taken"  # the handoff an agent took from this message: what a reply to it answers
ACTIONS = frozenset({TAKE, ASSIGN, SNOOZE, TAKEN})


def pack(action: str, ident: int) -> str:
    assert action in ACTIONS
    return f"{action}:{ident}"


def unpack(data: str | None) -> tuple[str, int] | None:
    action, _, ident = (data or "").partition(":")
    if action not in ACTIONS or not ident.isdigit():
        return None
    return action, int(ident)
