"""A complaint checked against its policy's intake before it is registered: the fields the
policy requires, the phone in E.164, and the moment of receipt."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.app.complaints.models import ComplaintCreate
from backend.app.policies.profile import IntakeError, PolicyProfile, intake_error, missing_fields, normalise_phone

# How far in the future a given `received_at` may lie (clock skew between machines).
_MAX_CLOCK_SKEW = dt.timedelta(minutes=5)


def prepare_intake(
    policy: PolicyProfile, complaint_in: ComplaintCreate, *, now: dt.datetime
) -> tuple[dict[str, Any], dt.datetime]:
    """Checks a complaint against its policy: returns the values to store (phone in E.164)
    and the moment of receipt, or raises IntakeError."""
    values = complaint_in.model_dump(exclude={"policy", "received_at"})
    errors = missing_fields(policy, values)
    if values["phone"] is not None:
        try:
            values["phone"] = normalise_phone(values["phone"], policy.phone_region)
        except ValueError as exc:
            errors.append(intake_error("phone", "value_error", str(exc), values["phone"]))
    errors.extend(category_errors(policy, values["complaint_category"]))
    received_at = complaint_in.received_at or now
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=policy.tz)
    if received_at > now + _MAX_CLOCK_SKEW:
        errors.append(intake_error("received_at", "value_error", "lies in the future", str(complaint_in.received_at)))
    if errors:
        raise IntakeError(errors)
    return values, received_at


def category_errors(policy: PolicyProfile, category: str | None) -> list[dict[str, Any]]:
    """A category must be one of the policy's (none is fine: the handoff team gets it)."""
    if category is None or policy.category(category) is not None:
        return []
    known = [c.id for c in policy.categories]
    return [
        intake_error("complaint_category", "enum", f"not a category of policy {policy.id}: one of {known}", category)
    ]
