from __future__ import annotations

from actions.interpret import Turn


def turn(
    text: str,
    intent: str | None = "inform",
    confidence: float = 0.95,
    *,
    requested=None,
    slots=None,
    entities=None,
    metadata=None,
    form_active=None,
) -> Turn:
    slots = dict(slots or {})
    return Turn(
        text=text,
        intent=intent,
        confidence=confidence,
        entities=entities or [],
        metadata=metadata or {},
        slots=slots,
        requested_slot=requested,
        form_active=bool(requested) if form_active is None else form_active,
    )
