import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from backend.app.complaints.intake import prepare_intake
from backend.app.complaints.models import ComplaintCreate
from backend.app.policies.profile import (
    Deadlines,
    IntakeError,
    PolicyProfile,
    compute_deadlines,
    load_policies,
    localise_deadlines,
)
from contract.policy import BUNDLED_DIR as POLICY_DIR

POLICIES = load_policies()
NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def test_the_five_profiles_load() -> None:
    assert sorted(POLICIES) == ["eurolux", "inverter_eu", "kontakt", "music_gallery", "poliser"]


@pytest.mark.parametrize("path", sorted(POLICY_DIR.glob("*.yml")), ids=lambda path: path.stem)
def test_every_deadline_number_quotes_its_policy_sentence(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    rule_lines = [index for index, line in enumerate(lines) if re.search(r"\bdays:\s*\d", line)]
    assert rule_lines
    for index in rule_lines:
        comment = lines[index - 1].strip()
        assert comment.startswith("#") and '"' in comment, f"{path.name}:{index + 1} has no quoted source"


@pytest.mark.parametrize("path", sorted(POLICY_DIR.glob("*.yml")), ids=lambda path: path.stem)
def test_intake_is_readable_with_plain_yaml(path: Path) -> None:
    """The action server reads `intake` with PyYAML alone."""
    intake = yaml.safe_load(path.read_text(encoding="utf-8"))["intake"]
    assert all(isinstance(field, dict) and isinstance(field["slot"], str) for field in intake)
    assert "complaint_text" in [field["slot"] for field in intake]


def _iso(deadlines: Deadlines, policy: PolicyProfile) -> dict[str, str | None]:
    local = localise_deadlines(policy, deadlines).model_dump()
    return {name: None if moment is None else moment.isoformat() for name, moment in local.items()}


def test_deadlines_from_acknowledgement_follow_the_real_acknowledgement() -> None:
    policy = POLICIES["inverter_eu"]
    received = dt.datetime(2026, 4, 9, 10, 0, tzinfo=policy.tz)
    planned = compute_deadlines(policy, received_at=received)
    early = compute_deadlines(policy, received_at=received, acknowledged_at=received + dt.timedelta(hours=2))
    assert planned.acknowledge_by == early.acknowledge_by
    assert planned.resolve_by == early.resolve_by
    # 14 working days from 9 April (Orthodox Good Friday, Easter Monday and 1 May skipped)
    # instead of from the acknowledgement deadline, 22 April.
    assert _iso(early, policy)["progress_update_by"] == "2026-05-04T23:59:59+03:00"
    assert _iso(planned, policy)["progress_update_by"] == "2026-05-13T23:59:59+03:00"


def test_an_az_deadline_across_the_working_saturday_of_21_june_2025() -> None:
    """Eurolux (Baku): acknowledged within 3 working days of receipt. Received on Thursday
    19 June 2025, the decree's working Saturday 21 June counts: Monday 23 June, not Tuesday."""
    policy = POLICIES["eurolux"]
    received = dt.datetime(2025, 6, 19, 11, 0, tzinfo=policy.tz)
    deadlines = _iso(compute_deadlines(policy, received_at=received), policy)
    assert deadlines["acknowledge_by"] == "2025-06-23T23:59:59+04:00"
    # Investigation: 3 working days after the 23rd, over 26 June and the 27th given for the Saturday.
    assert deadlines["investigate_by"] == "2025-06-30T23:59:59+04:00"


def _complaint(policy: str, **fields: Any) -> ComplaintCreate:
    return ComplaintCreate.model_validate({"language": "ru", "channel": "rest", **fields})


def _missing(policy: str, **fields: Any) -> set[str]:
    try:
        prepare_intake(POLICIES[policy], _complaint(policy, **fields), now=NOW)
    except IntakeError as exc:
        return {error["loc"][1] for error in exc.errors}
    return set()


def test_when_and_alternative_rules() -> None:
    base = {"full_name": "Ion Popescu", "email": "ion@example.ro", "complaint_text": "x"}
    assert _missing("inverter_eu", **base) == {"complaint_category"}
    assert _missing("inverter_eu", **base, complaint_category="service") == {"ticket_number"}
    assert _missing("inverter_eu", **base, complaint_category="product") == {"inverter_model"}
    assert _missing("inverter_eu", **base, complaint_category="service", ticket_number="#48213") == set()
    named = {"full_name": "Иванов Иван Иванович", "complaint_text": "x"}
    assert _missing("music_gallery", **named) == {"phone"}
    assert _missing("music_gallery", **named, email="a@example.com") == set()
    assert _missing("eurolux", **named, email="a@example.com") == {"phone"}


def test_naive_received_at_is_local_time_of_the_policy() -> None:
    values, received_at = prepare_intake(
        POLICIES["poliser"],
        _complaint(
            "poliser", full_name="A", phone="05321234567", complaint_text="x", received_at="2026-05-26T10:00:00"
        ),
        now=NOW,
    )
    assert received_at.isoformat() == "2026-05-26T10:00:00+03:00"
    assert values["phone"] == "+905321234567"
