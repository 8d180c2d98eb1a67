"""Policy profiles (`contract/policies/<id>.yml`): where they are, and their intake.

The backend validates the whole profile (deadlines, calendars, statuses; backend/app/policies);
the action server needs only the ordered intake and the categories' keywords, read here from the same file, so a new
company is a new file, not code. `POLICY_DIR` points both at another folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from contract.fields import INTAKE_SLOTS

BUNDLED_DIR = Path(__file__).resolve().parent / "policies"


def policy_dir() -> Path:
    return Path(os.environ.get("POLICY_DIR") or BUNDLED_DIR)


def profile_paths(directory: Path | None = None) -> list[Path]:
    return sorted((directory or policy_dir()).glob("*.yml"))


def read_profile(path: Path) -> dict[str, Any]:
    """The profile as written; its id must be its file's name."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict) or data.get("id") != path.stem:
        raise ValueError(
            f"{path}: id {data.get('id') if isinstance(data, dict) else None!r} differs from the file name"
        )
    return data


@dataclass(frozen=True)
class IntakeItem:
    slot: str
    optional: bool = False
    alternative: str | None = None
    when: Mapping[str, Any] = field(default_factory=dict)

    def applies(self, slots: Mapping[str, Any]) -> bool:
        return all(slots.get(k) == v for k, v in self.when.items())


@dataclass(frozen=True)
class CategoryKeywords:
    """A category of the policy and, per customer language, words of a complaint of it (the
    action server infers the category from them where the policy does not ask it)."""

    id: str
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class IntakePolicy:
    """What a conversation under this policy must gather, in the order it asks."""

    id: str
    languages: tuple[str, ...]
    phone_region: str
    intake: tuple[IntakeItem, ...]
    categories: tuple[CategoryKeywords, ...] = ()

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def asks(self, slot: str) -> bool:
        return any(item.slot == slot or item.alternative == slot for item in self.intake)

    def item(self, slot: str) -> IntakeItem | None:
        return next((i for i in self.intake if i.slot == slot), None)

    def required_slots(self, slots: Mapping[str, Any], skipped: list[str] | None = None) -> list[str]:
        """Slots still to ask, in the policy's order, given what is filled and skipped."""
        skipped_set = set(skipped or [])
        out = []
        for item in self.intake:
            if not item.applies(slots):
                continue
            if item.alternative and slots.get(item.alternative) is not None:
                continue
            if item.slot in skipped_set and item.alternative:
                # "No phone": the alternative (e-mail) is asked instead.
                out.append(item.alternative)
                continue
            if item.slot in skipped_set and item.optional:
                continue
            out.append(item.slot)
        return out

    def form_slots(self, slots: Mapping[str, Any]) -> list[str]:
        """The complaint form's questions for these slot values: the intake still to ask, the
        field being corrected, then the summary to confirm. The rasa server decides the next
        question from it (bot/dialogue/complaint_form.py) without asking the action server."""
        out = self.required_slots(slots, slots.get("skipped_slots"))
        if slots.get("correcting"):
            out.append("field_to_correct")
        out.append("confirmed")
        return out


def known(policy_id: object) -> str | None:
    """A policy id that has a profile, else None."""
    return policy_id if isinstance(policy_id, str) and policy_id in _profile_ids(policy_dir()) else None


@lru_cache(maxsize=4)
def _profile_ids(directory: Path) -> frozenset[str]:
    # Read once, as the profiles themselves are (load_intake): asked on every customer turn.
    return frozenset(path.stem for path in profile_paths(directory))


def conversation_intake(policy_slot: object, default_id: str) -> IntakePolicy:
    """The intake of a conversation: its own policy (slot `policy`) when it names a profile, else
    the server's COMPLAINT_POLICY (`default_id`). The action server and the rasa server's form
    both ask this."""
    return load_intake(known(policy_slot) or default_id)


def parse_intake(data: Mapping[str, Any]) -> IntakePolicy:
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
    categories = tuple(
        CategoryKeywords(
            id=raw["id"],
            keywords={language: tuple(words) for language, words in (raw.get("keywords") or {}).items()},
        )
        for raw in data.get("categories") or ()
    )
    return IntakePolicy(
        id=data["id"],
        languages=tuple(data.get("languages") or ("ru",)),
        phone_region=data.get("phone_region") or data.get("country") or "AZ",
        intake=tuple(items),
        categories=categories,
    )


@lru_cache(maxsize=16)
def load_intake(policy_id: str, directory: Path | None = None) -> IntakePolicy:
    return parse_intake(read_profile((directory or policy_dir()) / f"{policy_id}.yml"))
