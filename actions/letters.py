"""A letter (the e-mail channel) read as a care agent reads one.

By e-mail a customer answers everything asked in one letter: "Nume: Ion Popescu", a bare line
"SN-22070 12345", a sentence "mă numesc Ion Popescu". So a letter is not the answer to one
question: every field still missing is looked for in it, line by line, and nothing is
re-prompted (the answer letter lists what is still missing: `missing_fields_text`). An optional
field the last letter asked for and this one does not give is taken as not given: a customer is
asked for it once, not in every letter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from actions import parsing
from actions.answers import skip, value_for
from actions.parsers import complaint_text, names
from actions.policy import Policy
from actions.responses import response_text
from actions.turn import Outcome, Turn
from actions.unsolicited import unsolicited
from contract.fields import INTAKE_SLOTS

# "Nume și prenume: Ion Popescu", "- Serie: SN 123", "• Model - SUN2000"
_LABELLED = re.compile(r"^\s*[-•*>]?\s*([^:\n]{2,40}?)\s*[:\-–]\s+(.+?)\s*$")
# A bare line is read as a field's value only when it is short: a sentence of the story is not.
_MAX_VALUE_WORDS = 8


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def read_letter(turn: Turn, text: str, policy: Policy, out: Outcome) -> None:
    """Every field the letter gives: unasked ones as in any message, then each field still
    missing from labelled lines, then from bare short lines."""
    if turn.is_payload:
        return
    sender = _sender_address(turn.metadata)
    if sender and turn.slots.get("email") is None and out.slots.get("email") is None:
        # The customer's address is the contact the answer goes to.
        out.slots["email"] = sender
    unsolicited(turn, text, policy, out, None)
    filled = {**turn.slots, **{k: v for k, v in out.slots.items() if v is not None}}
    missing = _missing(filled, policy)
    used: set[int] = set()
    lines = lines_of(text)
    for index, line in enumerate(lines):
        match = _LABELLED.match(line)
        slot = parsing.field_named(match.group(1)) if match else None
        if match and slot in missing and _take(turn, match.group(2), policy, out, slot):
            used.add(index)
            missing.remove(slot)
    for slot in list(missing):
        for index, line in enumerate(lines):
            if index in used or len(line.split()) > _MAX_VALUE_WORDS:
                continue
            if _take(turn, line, policy, out, slot, bare=True):
                used.add(index)
                missing.remove(slot)
                break
    if "complaint_category" in missing:
        # A letter about an inverter that gives its model and no ticket is about the product, one
        # that gives a service ticket and no model about the service: as an agent would file it.
        given = {**turn.slots, **out.slots}
        if given.get("inverter_model") and not given.get("ticket_number"):
            out.slots["complaint_category"] = "product"
        elif given.get("ticket_number") and not given.get("inverter_model"):
            out.slots["complaint_category"] = "service"
    if "complaint_text" in missing:
        rest = "\n".join(line for index, line in enumerate(lines) if index not in used)
        body = complaint_text.what_happened(rest)
        if body and len(body.split()) >= 3:
            out.slots["complaint_text"] = body
    _not_given(turn, policy, out)


def _missing(filled: Mapping[str, Any], policy: Policy) -> list[str]:
    required = policy.required_slots(filled, filled.get("skipped_slots"))
    return [s for s in required if s in INTAKE_SLOTS and filled.get(s) is None]


def _take(turn: Turn, value: str, policy: Policy, out: Outcome, slot: str, *, bare: bool = False) -> bool:
    if slot in ("complaint_text", "solution_idea") and bare:
        return False  # free words are taken from labelled lines or the story, never a stray line
    if slot == "full_name" and bare and not names.looks_like_a_name(value):
        return False
    if slot == "staff_member":
        return False  # who served the customer is read from the sentences (unsolicited)
    line_turn = replace(turn, text=value, entities=[], intent=None)
    found, _, extra = value_for(slot, line_turn, value, policy)
    if found is None and "alternative" in extra:
        other, found = extra["alternative"]
        out.slots[other] = found
        return True
    if found is None:
        return False
    out.slots[slot] = found
    return True


def _not_given(turn: Turn, policy: Policy, out: Outcome) -> None:
    """Optional fields asked in the last letter and still not given are skipped."""
    for slot in turn.slots.get("emailed_fields") or []:
        item = policy.item(slot)
        if item and item.optional and out.slots.get(slot) is None and turn.slots.get(slot) is None:
            skip(turn, out, slot)


def _sender_address(metadata: Mapping[str, Any]) -> str | None:
    address = metadata.get("email") if isinstance(metadata, Mapping) else None
    return parsing.find_email(address) if isinstance(address, str) else None


def missing_fields_text(missing: list[str], policy: Policy, domain: dict[str, Any], language: str | None) -> str:
    """The one question of an answer letter: everything still missing, optional fields marked."""
    lines = [response_text(domain, "utter_email_missing_intro", language)]
    for slot in missing:
        label = response_text(domain, f"utter_label_{slot}", language)
        if slot == "complaint_category":
            kinds = " / ".join(response_text(domain, f"utter_label_{k}", language) for k in ("service", "product"))
            label = f"{label} ({kinds})"
        item = policy.item(slot)
        if item and item.optional:
            label = f"{label} {response_text(domain, 'utter_email_if_any', language)}"
        lines.append(f"• {label}")
    return "\n".join(lines)


def ask_slots(turn: Turn, out: Outcome, policy: Policy, domain: dict[str, Any], language: str | None) -> dict:
    """What the form's next question says by e-mail (`missing_fields`, the `channel: email`
    variant of every utter_ask_*), and which fields it asked (`emailed_fields`)."""
    missing = _missing({**turn.slots, **out.slots}, policy)
    text = missing_fields_text(missing, policy, domain, language) if missing else None
    return {"missing_fields": text, "emailed_fields": missing}
