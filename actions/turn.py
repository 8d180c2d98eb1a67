"""One customer message as the interpretation layer sees it (`Turn`), and what it makes of it
(`Outcome`): the slot values to set and the responses to send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Intents that interrupt the form instead of answering its question. They only
# count as interruptions when the classifier is sure and the message is short:
# a long complaint that mentions an "operator" is still a complaint.
CONTROL_INTENTS = {
    "greet",
    "goodbye",
    "thank",
    "request_human",
    "cancel",
    "check_status",
    "switch_language",
    "out_of_scope",
}
CONTROL_CONFIDENCE = 0.8
CONTROL_MAX_WORDS = 7


@dataclass
class Turn:
    text: str
    intent: str | None = None
    confidence: float = 0.0
    entities: list[dict] = field(default_factory=list)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    slots: Mapping[str, Any] = field(default_factory=dict)
    requested_slot: str | None = None
    form_active: bool = False
    active_loop: str | None = None
    form_run: str | None = None  # conversation + when its complaint form started (slot_mappings)
    by_email: bool = False  # the e-mail channel: a letter answers everything asked (actions/letters)

    def entity(self, name: str) -> str | None:
        for ent in self.entities:
            if ent.get("entity") == name and ent.get("value"):
                return str(ent["value"])
        return None

    @property
    def is_payload(self) -> bool:
        return self.text.startswith("/")

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass
class Outcome:
    slots: dict[str, Any] = field(default_factory=dict)
    responses: list[tuple[str, dict]] = field(default_factory=list)
    # The message is a status question the classifier did not recognise: start the look-up.
    status_check: bool = False
    # The message begins a complaint the classifier did not recognise: start the form.
    start_complaint: bool = False
    # Inside the form, the customer asks for a person (not an answer that mentions one).
    wants_person: bool = False
    # The answer to a decision said in words, whatever the classifier read: "approve" / "reject".
    decision: str | None = None

    def say(self, response: str, **kwargs: Any) -> None:
        self.responses.append((response, kwargs))
