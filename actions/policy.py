"""The intake part of a policy profile (backend/policies/<id>.yml).

The backend owns the profiles; the action server reads the same files for the
ordered list of fields to ask, so a new company is a new file, not code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from actions.settings import settings

INTAKE_SLOTS = (
    "full_name",
    "phone",
    "email",
    "staff_member",
    "complaint_category",
    "ticket_number",
    "inverter_model",
    "serial_number",
    "complaint_text",
    "solution_idea",
)


@dataclass(frozen=True)
class IntakeItem:
    slot: str
    optional: bool = False
    alternative: str | None = None
    when: Mapping[str, Any] = field(default_factory=dict)

    def applies(self, slots: Mapping[str, Any]) -> bool:
        return all(slots.get(k) == v for k, v in self.when.items())


@dataclass(frozen=True)
class Policy:
    id: str
    languages: tuple[str, ...]
    phone_region: str
    intake: tuple[IntakeItem, ...]

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def asks(self, slot: str) -> bool:
        return any(item.slot == slot or item.alternative == slot for item in self.intake)

    def item(self, slot: str) -> IntakeItem | None:
        return next((i for i in self.intake if i.slot == slot), None)

    def required_slots(self, slots: Mapping[str, Any], skipped: list[str] | None = None) -> list[str]:
        """Slots still to ask, in the policy's order, given what is filled and skipped."""
        skipped = set(skipped or [])
        out = []
        for item in self.intake:
            if not item.applies(slots):
                continue
            if item.slot in skipped and item.optional:
                continue
            if item.alternative and slots.get(item.alternative) is not None:
                continue
            out.append(item.slot)
        return out


def _parse(data: dict) -> Policy:
    items = []
    for raw in data["intake"]:
        raw = {"slot": raw} if isinstance(raw, str) else raw
        if raw["slot"] not in INTAKE_SLOTS:
            raise ValueError(f"policy {data['id']}: unknown intake slot {raw['slot']!r}")
        items.append(
            IntakeItem(
                slot=raw["slot"],
                optional=bool(raw.get("optional", False)),
                alternative=raw.get("alternative"),
                when=dict(raw.get("when") or {}),
            )
        )
    return Policy(
        id=data["id"],
        languages=tuple(data.get("languages") or ("ru",)),
        phone_region=data.get("phone_region") or data.get("country") or "AZ",
        intake=tuple(items),
    )


@lru_cache(maxsize=16)
def load_policy(policy_id: str | None = None, directory: Path | None = None) -> Policy:
    policy_id = policy_id or settings.policy
    path = Path(directory or settings.policy_dir) / f"{policy_id}.yml"
    with path.open(encoding="utf-8") as f:
        return _parse(yaml.safe_load(f))
