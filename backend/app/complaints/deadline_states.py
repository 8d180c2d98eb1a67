"""Where each of a complaint's deadlines stands (the complaint page): met, open, due soon or
breached, and the working days left in the policy's calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from backend.app.complaints.models import (
    Complaint,
    DeadlineKind,
    DeadlineState,
    DeadlineStatePublic,
    HistoryKind,
)
from backend.app.notifications.models import NotificationAudience, NotificationKind, NotificationState
from backend.app.policies.profile import PolicyProfile
from contract.statuses import RESOLUTION_STOPPED, ComplaintStatus

# "soon": due today or on the next working day.
SOON_WORKING_DAYS = 1


def deadline_states(complaint: Complaint, policy: PolicyProfile, *, now: dt.datetime) -> list[DeadlineStatePublic]:
    decided = _first_decision(complaint)
    done: dict[DeadlineKind, dt.datetime | None] = {
        DeadlineKind.acknowledge: complaint.acknowledged_at,
        # Investigating ends with the (first) decision.
        DeadlineKind.investigate: decided,
        # The customer heard how it goes: an update sent, or the decision itself.
        DeadlineKind.progress_update: _earliest(_first_update_sent(complaint), decided),
        # As the overdue view counts it: met while the resolution is stopped (a reopened
        # complaint is open again).
        DeadlineKind.resolve: _last_decision(complaint) if complaint.status in RESOLUTION_STOPPED else None,
    }
    due: dict[DeadlineKind, dt.datetime | None] = {
        DeadlineKind.acknowledge: complaint.acknowledge_by,
        DeadlineKind.investigate: complaint.investigate_by,
        DeadlineKind.progress_update: complaint.progress_update_by,
        DeadlineKind.resolve: complaint.resolve_by,
    }
    states = []
    for kind, due_at in due.items():
        if due_at is None:
            continue
        done_at = done[kind]
        left = working_days_between(policy, (done_at or now), due_at)
        if done_at is not None:
            state = DeadlineState.met if done_at <= due_at else DeadlineState.breached
        elif now > due_at:
            state = DeadlineState.breached
        else:
            state = DeadlineState.soon if left <= SOON_WORKING_DAYS else DeadlineState.open
        if state is DeadlineState.breached:
            left = min(left, -1)  # passed on a day off still reads as late
        states.append(DeadlineStatePublic(kind=kind, due_at=policy.local(due_at), working_days_left=left, state=state))
    return states


def working_days_between(policy: PolicyProfile, moment: dt.datetime, due_at: dt.datetime) -> int:
    """Working days after the local day of `moment` up to and including the due day (0: due
    that day); negative, the working days after the due day up to `moment`'s day."""
    start, end = policy.local(moment).date(), policy.local(due_at).date()
    calendar = policy.calendar
    if end >= start:
        return sum(1 for day in _days_after(start, end) if calendar.is_working_day(day))
    return -sum(1 for day in _days_after(end, start) if calendar.is_working_day(day))


def _days_after(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day < last:
        day += dt.timedelta(days=1)
        yield day


def _decisions(complaint: Complaint) -> list[dt.datetime]:
    return [
        entry.at
        for entry in complaint.history
        if entry.kind == HistoryKind.status and entry.status == ComplaintStatus.resolved
    ]


def _first_decision(complaint: Complaint) -> dt.datetime | None:
    return min(_decisions(complaint), default=None)


def _last_decision(complaint: Complaint) -> dt.datetime | None:
    # A complaint stopped without a decision entry (closed straight away): its last change.
    return max(_decisions(complaint), default=None) or complaint.updated_at


def _first_update_sent(complaint: Complaint) -> dt.datetime | None:
    return min(
        (
            row.sent_at
            for row in complaint.notifications
            if row.kind == NotificationKind.progress_update
            and row.audience == NotificationAudience.customer
            and row.state == NotificationState.sent
            and row.sent_at is not None
        ),
        default=None,
    )


def _earliest(*moments: dt.datetime | None) -> dt.datetime | None:
    return min((moment for moment in moments if moment is not None), default=None)
