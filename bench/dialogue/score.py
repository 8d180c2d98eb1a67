"""Scoring a simulated conversation: a stored field against the customer's expectation, the
turns a care agent would have needed, and the figures per group of customers. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.dialogue.customers import Customer
from bench.runner import percentile
from contract.policy import load_intake

_SPACES = re.compile(r"\s+")
_CODE_NOISE = re.compile(r"[\s\-–—]+")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _casefold(value: str) -> str:
    """Case-insensitive in Turkish and Azerbaijani too: "İkinci" is "ikinci" (Python's casefold
    gives "i" with a combining dot)."""
    return value.replace("İ", "i").casefold()


def _words(value: str) -> str:
    return _casefold(_SPACES.sub(" ", value).strip())


def _code(value: str) -> str:
    return _casefold(_CODE_NOISE.sub("", value))


def field_matches(name: str, expected: Any, got: Any) -> bool:
    """Whether the stored value `got` of field `name` is what the customer meant."""
    if expected is None:
        return _blank(got)
    if _blank(got):
        return False
    got = str(got)
    if name in ("complaint_text", "solution_idea"):
        text = _words(got)
        return all(_words(p) in text for p in expected.get("has") or ()) and not any(
            _words(p) in text for p in expected.get("not") or ()
        )
    if name in ("full_name", "staff_member"):
        return _words(got) == _words(expected)
    if name == "email":
        return _casefold(got.strip()) == _casefold(expected.strip())
    if name in ("ticket_number", "serial_number"):
        return _code(got) == _code(expected)
    if name == "inverter_model":
        return _code(expected) in _code(got)
    return got.strip() == expected.strip()  # phone (E.164), complaint_category


def score_fields(expect: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, bool]:
    return {name: field_matches(name, expected, stored.get(name)) for name, expected in expect.items()}


def asked_slots(customer: Customer) -> list[str]:
    """The slots the customer's policy asks for this complaint, in order (the category decides
    between the ticket and the inverter model)."""
    category = customer.expect.get("complaint_category")
    return load_intake(customer.policy).required_slots({"complaint_category": category})


def ideal_turns(customer: Customer) -> int:
    """Messages a customer needs with a care agent who understands every answer: the opening,
    one answer per slot the opening did not give, the customer's own extra answers (a list's
    later entries; a refusal of the phone before giving the e-mail instead), the noise, and the
    confirmation."""
    turns = 1 + len(customer.noise) + 1
    for slot in asked_slots(customer):
        if slot in customer.opening_gives or customer.alternative(slot) in customer.opening_gives:
            continue
        turns += 1 + max(0, len(customer.answers_to(slot)) - 1)
        if customer.refuses(slot):
            turns += 1  # "no phone", then the e-mail
    return turns


# --- aggregation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one conversation came to (the JSON of the results holds these and the transcript)."""

    customer: Customer
    completed: bool
    turns: int
    ideal: int
    fields: Mapping[str, bool]
    stored: Mapping[str, Any]
    why: str = ""  # why not completed: paused, out of turns, asked nothing, an error
    file_fault: str = ""  # the customer file lacks an answer the bot rightly asked for

    @property
    def over(self) -> bool:
        return self.turns > self.ideal

    @property
    def failed(self) -> bool:
        return bool(self.file_fault) or not self.completed or not all(self.fields.values())


@dataclass(frozen=True)
class Figures:
    customers: int
    completion: float
    median_turns: float
    over_ideal: float
    field_accuracy: float


def _percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else float("nan")


def figures(outcomes: Sequence[Outcome]) -> Figures:
    """The figures of a group; customers whose file is at fault are left out."""
    measured = [o for o in outcomes if not o.file_fault]
    checks = [ok for o in measured for ok in o.fields.values()]
    return Figures(
        customers=len(measured),
        completion=_percent(sum(o.completed for o in measured), len(measured)),
        median_turns=percentile([o.turns for o in measured], 50),
        over_ideal=_percent(sum(o.over for o in measured), len(measured)),
        field_accuracy=_percent(sum(checks), len(checks)),
    )


def group_by(outcomes: Iterable[Outcome], key: str) -> dict[str, list[Outcome]]:
    """Outcomes per customer attribute (`language`, `policy`, `half`), keys sorted."""
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(getattr(outcome.customer, key), []).append(outcome)
    return dict(sorted(groups.items()))


def field_accuracy(outcomes: Iterable[Outcome]) -> dict[str, dict[str, float]]:
    """Accuracy % per field, then per language: {field: {language: %}}."""
    tally: dict[str, dict[str, list[bool]]] = {}
    for outcome in outcomes:
        if outcome.file_fault:
            continue
        for name, ok in outcome.fields.items():
            tally.setdefault(name, {}).setdefault(outcome.customer.language, []).append(ok)
    return {
        name: {lang: _percent(sum(oks), len(oks)) for lang, oks in sorted(per_lang.items())}
        for name, per_lang in tally.items()
    }
