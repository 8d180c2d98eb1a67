"""The reports' queries: each figure is one grouped query over the complaints received in the
period (of one policy), and its CSV is the same query's rows, one per complaint, with the very
SQL expressions the figure counts (so the CSV always has the rows the figure counts).

"On time" reuses the deadlines the complaint got at registration (policies/calendar.py:
working days of the policy's country, its public holidays left out, in its time zone), and
decides "done" as complaints/deadline_states.py does: acknowledged when `acknowledged_at` is
set, resolved by the last decision while the resolution is stopped (resolved, closed,
disputed). docs/reports.md has the definitions.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from backend.app.complaints.filters import UNFINISHED, overdue_clause
from backend.app.complaints.models import Complaint, HistoryKind, StatusChange
from backend.app.core.models import UTCDateTime
from backend.app.reports.models import (
    ClosingLoopReport,
    DeadlinesReport,
    DelayReason,
    DelaysReport,
    RatingCount,
    StageCount,
    WeekShare,
)
from backend.app.reports.period import ReportPeriod
from contract.statuses import RESOLUTION_STOPPED, ComplaintStatus

ON_TIME, LATE, PENDING = "on_time", "late", "pending"
_STOPPED = tuple(status.value for status in RESOLUTION_STOPPED)

_complaint = Complaint.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Expressions:
    """The SQL of each per-complaint fact a figure counts, at one moment."""

    acknowledge: ColumnElement[str]
    resolve: ColumnElement[str]
    open: ColumnElement[bool]
    overdue: ColumnElement[bool]
    decided_at: ColumnElement[dt.datetime]
    disputed_ever: ColumnElement[int]


def expressions(period: ReportPeriod) -> Expressions:
    now = period.now
    acknowledged_at, acknowledge_by = col(Complaint.acknowledged_at), col(Complaint.acknowledge_by)
    stopped = col(Complaint.status).in_(_STOPPED)
    # As deadline_states: stopped without a decision entry, its last change stands for it.
    decided_at = sa.func.coalesce(col(Complaint.decided_at), col(Complaint.updated_at))
    acknowledge = sa.case(
        (sa.and_(acknowledged_at.is_not(None), acknowledged_at <= acknowledge_by), ON_TIME),
        (sa.or_(acknowledged_at.is_not(None), acknowledge_by < now), LATE),
        else_=PENDING,
    )
    resolve = sa.case(
        (sa.and_(stopped, decided_at <= col(Complaint.resolve_by)), ON_TIME),
        (sa.or_(stopped, col(Complaint.resolve_by) < now), LATE),
        else_=PENDING,
    )
    return Expressions(
        acknowledge=acknowledge,
        resolve=resolve,
        open=col(Complaint.status).in_(UNFINISHED),
        overdue=overdue_clause(now),
        decided_at=sa.case((stopped, sa.type_coerce(decided_at, UTCDateTime)), else_=sa.null()),
        disputed_ever=sa.case((col(Complaint.disputed_at).is_not(None), 1), else_=0),
    )


def in_period(period: ReportPeriod) -> list[ColumnElement[bool]]:
    """The complaints a report counts: the policy's, received in the period (local dates)."""
    return [
        col(Complaint.policy) == period.policy.id,
        col(Complaint.received_at) >= period.start,
        col(Complaint.received_at) < period.end,
    ]


def _from_complaints(period: ReportPeriod) -> Any:
    """Every fact a report counts is on the complaint's own row (its latest decision and first
    dispute included: complaints/service.change_status keeps them)."""
    return _complaint


def _share(on_time: int, late: int) -> float | None:
    decided = on_time + late
    return None if decided == 0 else round(on_time / decided, 4)


# --- deadlines ----------------------------------------------------------------------------------


def deadlines_report(*, session: Session, period: ReportPeriod, stage_label: Any) -> DeadlinesReport:
    """One grouped query: by week of receipt, status and the three facts."""
    facts = expressions(period)
    boundaries = period.week_boundaries()
    received = col(Complaint.received_at)
    week = (
        sa.case(*[(received < boundary, index) for index, boundary in enumerate(boundaries)], else_=len(boundaries))
        if boundaries
        else sa.literal(0)
    ).label("week")
    overdue = sa.case((facts.overdue, 1), else_=0).label("overdue")
    statement = (
        sa.select(
            week,
            col(Complaint.status),
            facts.acknowledge.label("acknowledge"),
            facts.resolve.label("resolve"),
            overdue,
            sa.func.count().label("n"),
        )
        .select_from(_from_complaints(period))
        .where(*in_period(period))
        .group_by(sa.text("1, 2, 3, 4, 5"))
    )
    weeks = [Counter[str]() for _ in period.week_starts]
    total: Counter[str] = Counter()
    stages: dict[str, Counter[str]] = defaultdict(Counter)
    for row in session.execute(statement):
        n = int(row.n)
        for counter in (total, weeks[int(row.week)]):
            counter["complaints"] += n
            counter[f"acknowledge_{row.acknowledge}"] += n
            counter[f"resolve_{row.resolve}"] += n
        if row.status in UNFINISHED:
            stages[row.status]["open"] += n
            total["open"] += n
        if row.overdue:
            stages[row.status]["overdue"] += n
            total["overdue"] += n
    by_stage = [
        StageCount(
            stage=status, label=stage_label(status), open=stages[status]["open"], overdue=stages[status]["overdue"]
        )
        for status in ComplaintStatus
        if status.value in stages
    ]
    return DeadlinesReport(
        period=period.public(),
        complaints=total["complaints"],
        acknowledged_on_time=total[f"acknowledge_{ON_TIME}"],
        acknowledged_late=total[f"acknowledge_{LATE}"],
        acknowledge_pending=total[f"acknowledge_{PENDING}"],
        acknowledged_on_time_share=_share(total[f"acknowledge_{ON_TIME}"], total[f"acknowledge_{LATE}"]),
        resolved_on_time=total[f"resolve_{ON_TIME}"],
        resolved_late=total[f"resolve_{LATE}"],
        resolve_pending=total[f"resolve_{PENDING}"],
        resolved_on_time_share=_share(total[f"resolve_{ON_TIME}"], total[f"resolve_{LATE}"]),
        open=total["open"],
        overdue=total["overdue"],
        by_stage=by_stage,
        weeks=[
            WeekShare(
                week_start=monday,
                complaints=counter["complaints"],
                acknowledged_on_time=counter[f"acknowledge_{ON_TIME}"],
                acknowledged_late=counter[f"acknowledge_{LATE}"],
                acknowledged_on_time_share=_share(counter[f"acknowledge_{ON_TIME}"], counter[f"acknowledge_{LATE}"]),
                resolved_on_time=counter[f"resolve_{ON_TIME}"],
                resolved_late=counter[f"resolve_{LATE}"],
                resolved_on_time_share=_share(counter[f"resolve_{ON_TIME}"], counter[f"resolve_{LATE}"]),
            )
            for monday, counter in zip(period.week_starts, weeks, strict=True)
        ],
    )


# --- counts by a column ---------------------------------------------------------------------------


def grouped_counts(*, session: Session, period: ReportPeriod, column: Any) -> list[tuple[str | None, int]]:
    """(value, complaints) of the period by one column of the complaint."""
    statement = (
        sa.select(column, sa.func.count())
        .select_from(Complaint.__table__)  # type: ignore[attr-defined]
        .where(*in_period(period))
        .group_by(column)
    )
    return [(value, int(count)) for value, count in session.execute(statement)]


def count_in_period(*, session: Session, period: ReportPeriod) -> int:
    statement = sa.select(sa.func.count()).select_from(Complaint.__table__).where(*in_period(period))  # type: ignore[attr-defined]
    return int(session.execute(statement).scalar_one())


# --- closing loop ---------------------------------------------------------------------------------


def closing_loop_report(*, session: Session, period: ReportPeriod) -> ClosingLoopReport:
    facts = expressions(period)
    rejected = sa.case((col(Complaint.rejections) > 0, 1), else_=0).label("rejected")
    disputed_now = sa.case((col(Complaint.status) == ComplaintStatus.disputed.value, 1), else_=0).label("now")
    statement = (
        sa.select(
            col(Complaint.rating),
            rejected,
            facts.disputed_ever.label("disputed"),
            disputed_now,
            sa.func.count().label("n"),
            sa.func.sum(col(Complaint.rejections)).label("rejections"),
        )
        .select_from(_from_complaints(period))
        .where(*in_period(period))
        .group_by(sa.text("1, 2, 3, 4"))
    )
    total: Counter[str] = Counter()
    ratings: Counter[int] = Counter()
    for row in session.execute(statement):
        n = int(row.n)
        total["complaints"] += n
        if row.rating is not None:
            ratings[int(row.rating)] += n
        total["rejected"] += n if row.rejected else 0
        total["rejections"] += int(row.rejections or 0)
        total["disputed"] += n if row.disputed else 0
        total["disputed_now"] += n if row.now else 0
    rated = sum(ratings.values())
    average = round(sum(rating * n for rating, n in ratings.items()) / rated, 2) if rated else None
    return ClosingLoopReport(
        period=period.public(),
        complaints=total["complaints"],
        rated=rated,
        average_rating=average,
        ratings=[RatingCount(rating=rating, complaints=ratings[rating]) for rating in range(1, 6)],
        rejected=total["rejected"],
        rejections=total["rejections"],
        disputed=total["disputed"],
        disputed_now=total["disputed_now"],
    )


def closing_loop_clause(period: ReportPeriod) -> ColumnElement[bool]:
    """The complaints behind the closing-loop figure: rated, rejected or ever disputed."""
    facts = expressions(period)
    return sa.or_(col(Complaint.rating).is_not(None), col(Complaint.rejections) > 0, facts.disputed_ever == 1)


# --- delay notices --------------------------------------------------------------------------------


def normalised(text: str) -> str:
    """The key that merges spellings of one text: case and runs of spaces do not count
    (in Python: SQLite's lower() folds ASCII only)."""
    return " ".join(text.casefold().split())


def delay_rows(*, session: Session, period: ReportPeriod) -> list[sa.Row[Any]]:
    """Each delay notice about the period's complaints (one CSV row each), oldest first."""
    statement = (
        sa.select(
            col(Complaint.tracking_number),
            col(Complaint.received_at),
            col(Complaint.status),
            col(Complaint.resolve_by),
            col(Complaint.delayed_to),
            col(StatusChange.at).label("notice_at"),
            col(StatusChange.note).label("reason"),
        )
        .join(StatusChange, col(StatusChange.complaint_id) == col(Complaint.id))
        .where(*in_period(period), col(StatusChange.kind) == HistoryKind.delay.value)
        .order_by(col(StatusChange.at), col(StatusChange.id))
    )
    return list(session.execute(statement))


def delays_report(*, session: Session, period: ReportPeriod, complaints: int) -> DelaysReport:
    rows = delay_rows(session=session, period=period)
    reasons: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        reasons[normalised(row.reason or "")].append(row.reason or "")
    return DelaysReport(
        period=period.public(),
        complaints=complaints,
        notices=len(rows),
        delayed_complaints=len({row.tracking_number for row in rows}),
        reasons=sorted(
            (DelayReason(reason=spellings[0], notices=len(spellings)) for spellings in reasons.values()),
            key=lambda reason: (-reason.notices, reason.reason),
        ),
    )


# --- the complaints behind a figure ----------------------------------------------------------------

COMPLAINT_COLUMNS = (
    "tracking_number",
    "received_at",
    "status",
    "channel",
    "language",
    "complaint_category",
    "staff_member",
    "inverter_model",
    "acknowledge_by",
    "acknowledged_at",
    "acknowledged",
    "resolve_by",
    "decided_at",
    "resolved",
    "open",
    "overdue",
    "rating",
    "rejections",
    "disputed",
    "delayed_to",
)


def complaint_rows(
    *, session: Session, period: ReportPeriod, where: Sequence[ColumnElement[bool]] = ()
) -> list[dict[str, Any]]:
    """The period's complaints (and `where`), oldest first, with every fact a figure counts."""
    facts = expressions(period)
    statement = (
        sa.select(
            col(Complaint.id),
            col(Complaint.tracking_number),
            col(Complaint.received_at),
            col(Complaint.status),
            col(Complaint.channel),
            col(Complaint.language),
            col(Complaint.complaint_category),
            col(Complaint.staff_member),
            col(Complaint.inverter_model),
            col(Complaint.acknowledge_by),
            col(Complaint.acknowledged_at),
            facts.acknowledge.label("acknowledged"),
            col(Complaint.resolve_by),
            facts.decided_at.label("decided_at"),
            facts.resolve.label("resolved"),
            facts.open.label("open"),
            facts.overdue.label("overdue"),
            col(Complaint.rating),
            col(Complaint.rejections),
            facts.disputed_ever.label("disputed"),
            col(Complaint.delayed_to),
            col(Complaint.phone),
            col(Complaint.email),
        )
        .select_from(_from_complaints(period))
        .where(*in_period(period), *where)
        .order_by(col(Complaint.received_at), col(Complaint.id))
    )
    # Core, not the ORM session's result machinery: these are plain rows, up to 100,000 of them.
    return [dict(row._mapping) for row in session.connection().execute(statement)]
