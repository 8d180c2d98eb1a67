"""The ISO 10002 reports' answers (GET /api/reports/...): one response model per figure, and
the period a report covers. No tables: every figure is read from the complaints and their
history as they are (backend/app/reports/service.py)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlmodel import SQLModel

from contract.statuses import ComplaintStatus


class Dimension(StrEnum):
    """What the complaints of a period are counted by."""

    category = "category"
    channel = "channel"
    language = "language"
    staff_member = "staff_member"


class RepeatKey(StrEnum):
    """What makes complaints "repeated" (ISO 10002's improvement step): the same customer (a
    phone number or an e-mail address in common), or the same category / staff member /
    inverter model, within the period."""

    customer = "customer"
    category = "category"
    staff_member = "staff_member"
    inverter_model = "inverter_model"


class Period(SQLModel):
    policy: str
    # Local dates of the policy's time zone, both included.
    date_from: dt.date
    date_to: dt.date
    timezone: str
    # When the "now" figures (open, overdue, pending) were taken, in the policy's time zone.
    as_of: dt.datetime


class WeekShare(SQLModel):
    """The complaints received in one week (Monday to Sunday, local) and how their deadlines went."""

    week_start: dt.date
    complaints: int
    acknowledged_on_time: int
    acknowledged_late: int
    acknowledged_on_time_share: float | None
    resolved_on_time: int
    resolved_late: int
    resolved_on_time_share: float | None


class StageCount(SQLModel):
    stage: ComplaintStatus
    # The policy's own name of the stage, in the request's language (`lang`, default en).
    label: str
    open: int
    overdue: int


class DeadlinesReport(SQLModel):
    """Complaints received in the period; see docs/reports.md for "on time". A share counts only
    the complaints whose deadline is decided: done, or passed (pending ones are apart)."""

    period: Period
    complaints: int
    acknowledged_on_time: int
    acknowledged_late: int
    acknowledge_pending: int
    acknowledged_on_time_share: float | None
    resolved_on_time: int
    resolved_late: int
    resolve_pending: int
    resolved_on_time_share: float | None
    # Of the period's complaints, now: not finished (not resolved or closed), and overdue.
    open: int
    overdue: int
    by_stage: list[StageCount]
    weeks: list[WeekShare]


class BreakdownItem(SQLModel):
    # The stored value (a category id, a channel, a language, a staff member as written); null:
    # not given.
    value: str | None
    label: str
    complaints: int


class BreakdownReport(SQLModel):
    period: Period
    dimension: Dimension
    complaints: int
    items: list[BreakdownItem]


class RepeatedGroup(SQLModel):
    key: RepeatKey
    # What the complaints share: a phone number or e-mail address, a category id, a staff
    # member (as first written), an inverter model.
    value: str
    label: str
    complaints: int
    tracking_numbers: list[str]
    first_received_at: dt.datetime
    last_received_at: dt.datetime


class RepeatedReport(SQLModel):
    period: Period
    key: RepeatKey
    min_count: int
    groups: list[RepeatedGroup]
    # Complaints in the groups (the rows of the CSV).
    complaints: int


class RatingCount(SQLModel):
    rating: int
    complaints: int


class ClosingLoopReport(SQLModel):
    """The customers' answers to the decisions of the period's complaints."""

    period: Period
    complaints: int
    rated: int
    average_rating: float | None
    ratings: list[RatingCount]
    # Complaints whose customer rejected a decision at least once, and the rejections in all.
    rejected: int
    rejections: int
    # Complaints that were disputed at some time (the history has the status), and those now.
    disputed: int
    disputed_now: int


class DelayReason(SQLModel):
    reason: str
    notices: int


class DelaysReport(SQLModel):
    period: Period
    complaints: int
    # Delay notices sent about the period's complaints, and the complaints they concern.
    notices: int
    delayed_complaints: int
    reasons: list[DelayReason]
