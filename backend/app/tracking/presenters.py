"""What the tracking page shows of a complaint, in the customer's language: the stages (the
policy's own status labels) with the date each past one was reached and the date the policy
promises each coming one, the notes meant for the customer, the written decision and what the
customer may do now. Dates are the policy's local dates written the local way (contract/dates.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from backend.app.complaints.closing_loop import RATABLE, external_remedies
from backend.app.complaints.models import Complaint, HistoryKind
from backend.app.core.settings import REPO_ROOT
from backend.app.policies.profile import PolicyProfile
from contract.dates import local_date, local_moment
from contract.statuses import ComplaintStatus, Language

TEXTS_DIR = REPO_ROOT / "backend" / "texts" / "tracking"
# The page's languages, each named in itself (the buttons).
LANGUAGES: dict[str, str] = {"ru": "Русский", "az": "Azərbaycanca", "ro": "Română", "tr": "Türkçe"}

# The way a complaint goes when nothing goes wrong; reopened and disputed show up as reached.
PATH = (
    ComplaintStatus.registered,
    ComplaintStatus.acknowledged,
    ComplaintStatus.in_progress,
    ComplaintStatus.resolved,
    ComplaintStatus.closed,
)
# Where the path goes on from each status (a reopened complaint is being processed again).
_NEXT = {
    ComplaintStatus.registered: PATH[1:],
    ComplaintStatus.acknowledged: PATH[2:],
    ComplaintStatus.in_progress: PATH[3:],
    ComplaintStatus.reopened: PATH[3:],
    ComplaintStatus.resolved: PATH[4:],
}
# History entries the customer reads: the visible notes of status changes, delay notices and
# agents' messages to the customer.
_FOR_CUSTOMER = (HistoryKind.status, HistoryKind.delay, HistoryKind.message)


@cache
def texts(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        raise KeyError(lang)
    with (TEXTS_DIR / f"{lang}.yml").open(encoding="utf-8") as handle:
        data: Any = yaml.safe_load(handle)
    return {str(key): str(value) for key, value in data.items()}


@dataclass(frozen=True)
class Stage:
    status: str
    label: str
    state: str  # done | current | coming
    when: str  # the date line, already in words


@dataclass(frozen=True)
class Note:
    at: str
    text: str


@dataclass(frozen=True)
class Decision:
    at: str
    text: str
    steps_taken: str | None


@dataclass
class TrackingView:
    tracking_number: str
    status: str
    status_label: str
    received: str
    stages: list[Stage] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    decision: Decision | None = None
    can_answer: bool = False
    can_rate: bool = False
    rating: int | None = None
    remedies: str | None = None


def tracking_view(complaint: Complaint, policy: PolicyProfile, lang: str) -> TrackingView:
    t = texts(lang)
    status = ComplaintStatus(complaint.status)
    history = sorted(complaint.history, key=lambda entry: entry.at)
    decisions = [e for e in history if e.kind == HistoryKind.status and e.status == ComplaintStatus.resolved]
    last_decision = decisions[-1] if decisions else None
    return TrackingView(
        tracking_number=complaint.tracking_number,
        status=status.value,
        status_label=policy.status_label(status, Language(lang)),
        received=local_date(policy.local(complaint.received_at).date(), lang),
        stages=_stages(complaint, policy, lang, t),
        notes=[
            Note(at=local_moment(policy.local(entry.at), lang), text=entry.note or "")
            for entry in history
            if entry.kind in _FOR_CUSTOMER and entry.visible_to_customer and entry.note and entry is not last_decision
        ],
        decision=None
        if last_decision is None
        else Decision(
            at=local_moment(policy.local(last_decision.at), lang),
            text=last_decision.note or "",
            steps_taken=last_decision.steps_taken,
        ),
        can_answer=status is ComplaintStatus.resolved,
        can_rate=status in RATABLE,
        rating=complaint.rating,
        remedies=external_remedies(policy, Language(lang)) if status is ComplaintStatus.disputed else None,
    )


def _stages(complaint: Complaint, policy: PolicyProfile, lang: str, t: dict[str, str]) -> list[Stage]:
    """The statuses reached, in order (a status reached again counts again: resolved, reopened,
    resolved), then the ones still to come on the usual path with their promised dates."""
    label = lambda status: policy.status_label(status, Language(lang))  # noqa: E731
    reached: list[tuple[ComplaintStatus, dt.datetime]] = []
    for entry in sorted(complaint.history, key=lambda e: e.at):
        if entry.kind != HistoryKind.status:
            continue
        entry_status = ComplaintStatus(entry.status)
        if reached and reached[-1][0] is entry_status:
            continue
        reached.append((entry_status, entry.at))
    stages = [
        Stage(
            status=status.value,
            label=label(status),
            state="current" if index == len(reached) - 1 else "done",
            when=t["stage.reached"].format(date=local_date(policy.local(at).date(), lang, weekday=False)),
        )
        for index, (status, at) in enumerate(reached)
    ]
    current = ComplaintStatus(complaint.status)
    for status in _NEXT.get(current, ()):
        stages.append(
            Stage(
                status=status.value,
                label=label(status),
                state="coming",
                when=_promise(complaint, policy, status, lang, t),
            )
        )
    return stages


def _promise(complaint: Complaint, policy: PolicyProfile, status: ComplaintStatus, lang: str, t: dict[str, str]) -> str:
    """The date the policy promises a coming stage by (its deadlines in working days, as the
    complaint's registration counted them; a delay notice's new date for the decision)."""

    def day(moment: dt.datetime) -> str:
        return local_date(policy.local(moment).date(), lang)

    if status is ComplaintStatus.acknowledged:
        return t["stage.due"].format(date=day(complaint.acknowledge_by))
    if status is ComplaintStatus.in_progress:
        # Processing starts on acceptance and ends by the investigation (or progress) deadline.
        end = complaint.investigate_by or complaint.progress_update_by
        return (
            t["stage.until"].format(date=day(end)) if end else t["stage.due"].format(date=day(complaint.acknowledge_by))
        )
    if status is ComplaintStatus.resolved:
        return t["stage.due"].format(date=day(complaint.delayed_to or complaint.resolve_by))
    return t["stage.after_approval"]
