"""The simulated customers (bench/dialogue/customers/<lang>.yml, docs/testing.md): reading a
file, refusing a broken one with every fault named, and what a customer says when asked a slot."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from contract.fields import INTAKE_SLOTS
from contract.policy import load_intake, profile_paths

LANGUAGES = ("ru", "az", "ro", "tr")
HALVES = ("held_out", "tune")
# Customers 34-39 of every policy and language (written in round 6, issue 21) are the held-out
# half. 07-12 (rounds 1-3), 18-23 (round 4) and 26-31 (round 5) were held out before; failure classes were named
# from them, so they are tune since.
HELD_OUT = (34, 39)
# What a customer types to an optional question they have no answer to.
DONT_KNOW = {"ru": "не знаю", "az": "bilmirəm", "ro": "nu știu", "tr": "bilmiyorum"}
CONFIRMED = "confirmed"
TEXT_FIELDS = ("complaint_text", "solution_idea")  # expected as {has: [...], not: [...]}
CATEGORIES = ("service", "product")
ID = re.compile(r"^(?P<lang>[a-z]{2})-(?P<policy>[a-z_]+)-(?P<nn>\d{2})$")


class CustomerFileError(ValueError):
    """A customer file that cannot be run; the message names every fault found."""


@dataclass(frozen=True)
class Customer:
    id: str
    language: str
    policy: str
    half: str
    opening: str
    answers: Mapping[str, str | tuple[str, ...]]
    expect: Mapping[str, Any]
    noise: tuple[str, ...] = ()
    noise_before: str | None = None
    opening_gives: tuple[str, ...] = ()
    source: str = ""

    def answers_to(self, slot: str) -> tuple[str, ...]:
        """The successive answers to `slot` (the last one repeats); () when none is written."""
        given = self.answers.get(slot)
        if given is None:
            return ()
        return (given,) if isinstance(given, str) else tuple(given)

    def alternative(self, slot: str) -> str | None:
        """The slot that may be given instead of `slot` (the e-mail for the phone), if any."""
        item = load_intake(self.policy).item(slot)
        return item.alternative if item else None

    def refuses(self, slot: str) -> bool:
        """The customer answers `slot` with a refusal ("нет" to the phone) and gives the
        alternative (an e-mail) next: the field is expected empty, yet an answer to it is written."""
        alternative = self.alternative(slot)
        return bool(
            alternative and self.answers_to(slot) and self.answers_to(alternative) and self.expect.get(slot) is None
        )

    @property
    def dont_know(self) -> str:
        return DONT_KNOW[self.language]


@dataclass
class _Faults:
    where: str
    lines: list[str] = field(default_factory=list)

    def add(self, what: str, problem: str) -> None:
        self.lines.append(f"{self.where}: {what}: {problem}")


def policies() -> tuple[str, ...]:
    return tuple(path.stem for path in profile_paths())


def _strings(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v.strip() for v in value)


def _check_answers(raw: Any, faults: _Faults, cid: str) -> dict[str, str | tuple[str, ...]]:
    if not isinstance(raw, dict) or not raw:
        faults.add(cid, "answers must be a mapping of slot -> answer")
        return {}
    out: dict[str, str | tuple[str, ...]] = {}
    for slot, value in raw.items():
        if slot not in (*INTAKE_SLOTS, CONFIRMED):
            faults.add(cid, f"answers.{slot}: not a slot (slots: {', '.join(INTAKE_SLOTS)}, confirmed)")
        elif isinstance(value, str) and value.strip():
            out[slot] = value
        elif _strings(value):
            out[slot] = tuple(value)
        else:
            faults.add(cid, f"answers.{slot} must be a non-empty string or a non-empty list of strings")
    return out


def _check_expect(raw: Any, faults: _Faults, cid: str, policy: str) -> dict[str, Any]:
    if not isinstance(raw, dict) or not raw:
        faults.add(cid, "expect must be a mapping of field -> expected value")
        return {}
    for name, value in raw.items():
        if name not in INTAKE_SLOTS:
            faults.add(cid, f"expect.{name}: not a field (fields: {', '.join(INTAKE_SLOTS)})")
        elif value is None:
            continue
        elif name in TEXT_FIELDS:
            if not isinstance(value, dict) or set(value) - {"has", "not"} or not value:
                faults.add(cid, f"expect.{name} must be {{has: [...], not: [...]}} or null")
            elif any(key in value and not _strings(value[key]) for key in ("has", "not")):
                faults.add(cid, f"expect.{name}: has / not must be non-empty lists of phrases")
        elif name == "complaint_category" and value not in CATEGORIES:
            faults.add(cid, f"expect.complaint_category must be one of {', '.join(CATEGORIES)}")
        elif not isinstance(value, str) or not value.strip():
            faults.add(cid, f"expect.{name} must be a non-empty string or null")
    if policy == "inverter_eu" and raw.get("complaint_category") not in CATEGORIES:
        faults.add(cid, "expect.complaint_category (service | product) is needed for inverter_eu")
    return dict(raw)


def _parse_customer(raw: Any, faults: _Faults, known: Sequence[str]) -> Customer | None:
    if not isinstance(raw, dict):
        faults.add("customers", "every entry must be a mapping")
        return None
    cid = str(raw.get("id") or "?")
    match = ID.match(cid)
    if not match:
        faults.add(cid, "id must be <lang>-<policy>-<nn>, e.g. ru-eurolux-01")
        return None
    language, policy, nn = match["lang"], match["policy"], int(match["nn"])
    if language not in LANGUAGES:
        faults.add(cid, f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    if policy not in known or raw.get("policy") != policy:
        faults.add(cid, f"policy {raw.get('policy')!r} must be the id's policy, one of {', '.join(known)}")
        return None
    half = raw.get("half")
    if half not in HALVES:
        faults.add(cid, f"half must be one of {', '.join(HALVES)}")
    elif (half == "held_out") != (HELD_OUT[0] <= nn <= HELD_OUT[1]):
        faults.add(cid, f"half: customers {HELD_OUT[0]}-{HELD_OUT[1]} are `held_out`, the others `tune`")
    opening = raw.get("opening")
    if not isinstance(opening, str) or not opening.strip():
        faults.add(cid, "opening must be a non-empty string")
    answers = _check_answers(raw.get("answers"), faults, cid)
    expect = _check_expect(raw.get("expect"), faults, cid, policy)
    noise, noise_before = raw.get("noise"), raw.get("noise_before")
    intake = load_intake(policy)
    if noise is not None and not _strings(noise):
        faults.add(cid, "noise must be a non-empty list of messages")
    if (noise is None) != (noise_before is None):
        faults.add(cid, "noise and noise_before go together")
    elif noise_before is not None and noise_before != CONFIRMED and not intake.asks(noise_before):
        faults.add(cid, f"noise_before: policy {policy} never asks {noise_before!r}")
    gives = raw.get("opening_gives") or []
    if not isinstance(gives, list) or any(slot not in INTAKE_SLOTS for slot in gives):
        faults.add(cid, f"opening_gives must be a list of slots ({', '.join(INTAKE_SLOTS)})")
        gives = []
    return Customer(
        id=cid,
        language=language,
        policy=policy,
        half=str(half),
        opening=str(opening),
        answers=answers,
        expect=expect,
        noise=tuple(noise) if _strings(noise) else (),
        noise_before=noise_before,
        opening_gives=tuple(gives),
        source=faults.where,
    )


def parse_customers(data: Any, where: str) -> list[Customer]:
    """The customers of one file's parsed YAML; CustomerFileError naming every fault."""
    faults = _Faults(where)
    if not isinstance(data, dict) or not isinstance(data.get("customers"), list):
        raise CustomerFileError(f"{where}: expected a mapping with a `customers:` list")
    known = policies()
    customers = [c for raw in data["customers"] if (c := _parse_customer(raw, faults, known))]
    language = Path(where).stem
    seen: set[str] = set()
    for customer in customers:
        if language in LANGUAGES and customer.language != language:
            faults.add(customer.id, f"a {customer.language} customer in the {language} file")
        if customer.id in seen:
            faults.add(customer.id, "the id is used twice")
        seen.add(customer.id)
    if faults.lines:
        raise CustomerFileError("\n".join(faults.lines))
    return customers


def load_customers(paths: Sequence[Path]) -> list[Customer]:
    """Every customer of `paths`; CustomerFileError with the faults of all files together."""
    out: list[Customer] = []
    errors: list[str] = []
    for path in paths:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            out += parse_customers(data, str(path))
        except (CustomerFileError, yaml.YAMLError) as error:
            errors.append(str(error) if isinstance(error, CustomerFileError) else f"{path}: {error}")
    ids = [c.id for c in out]
    errors += [f"{cid}: in more than one file" for cid in sorted({i for i in ids if ids.count(i) > 1})]
    if errors:
        raise CustomerFileError("\n".join(errors))
    return out


def select(
    customers: Sequence[Customer],
    *,
    half: str = "all",
    languages: Sequence[str] = (),
    policies: Sequence[str] = (),
    ids: Sequence[str] = (),
) -> list[Customer]:
    """The BENCH_HALF / BENCH_LANGS / BENCH_POLICIES / BENCH_IDS filters (empty = all)."""
    return [
        c
        for c in customers
        if (half == "all" or c.half == half)
        and (not languages or c.language in languages)
        and (not policies or c.policy in policies)
        and (not ids or c.id in ids)
    ]
