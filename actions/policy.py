"""The policy of a conversation, from the shared profiles in contract/policies: the ordered list
of fields to ask. `COMPLAINT_POLICY` unless the conversation has its own (slot `policy`: the
e-mail channel's mailbox names its policy, IMAP_POLICY)."""

from __future__ import annotations

from typing import Any

from bot.settings import settings
from contract.policy import IntakeItem, IntakePolicy, conversation_intake, known, load_intake

Policy = IntakePolicy
__all__ = ["IntakeItem", "Policy", "known", "load_policy", "policy_for"]


def load_policy(policy_id: str | None = None) -> Policy:
    return load_intake(policy_id or settings.policy)


def policy_for(tracker: Any) -> Policy:
    """The policy of the tracker's conversation."""
    return conversation_intake(tracker.get_slot("policy"), settings.policy)
