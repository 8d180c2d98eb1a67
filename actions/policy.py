"""The policy of this action server's conversations (`COMPLAINT_POLICY`), from the shared
profiles in contract/policies: the ordered list of fields to ask."""

from __future__ import annotations

from bot.settings import settings
from contract.policy import IntakeItem, IntakePolicy, load_intake

Policy = IntakePolicy
__all__ = ["IntakeItem", "Policy", "load_policy"]


def load_policy(policy_id: str | None = None) -> Policy:
    return load_intake(policy_id or settings.policy)
