"""Each figure of the reports as its JSON answer and the complaints behind it, named in one
of the console's languages: what the API (views.py) and the page (page.py) both serve."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

from sqlmodel import Session, col

from backend.app.complaints.models import Complaint
from backend.app.policies.profile import PolicyProfile
from backend.app.reports import service
from backend.app.reports.i18n import texts
from backend.app.reports.models import (
    BreakdownItem,
    BreakdownReport,
    ClosingLoopReport,
    DeadlinesReport,
    DelaysReport,
    Dimension,
    RepeatedReport,
    RepeatKey,
)
from backend.app.reports.period import ReportPeriod
from backend.app.reports.repeated import repeated_groups
from contract.statuses import ComplaintStatus

_COLUMNS = {
    Dimension.category: Complaint.complaint_category,
    Dimension.channel: Complaint.channel,
    Dimension.language: Complaint.language,
    Dimension.staff_member: Complaint.staff_member,
}


class Labels:
    """Names of stages, categories, channels and languages in one console language."""

    def __init__(self, policy: PolicyProfile, lang: str) -> None:
        self.policy = policy
        self.lang = lang
        self.texts = texts(lang)

    def stage(self, status: ComplaintStatus | str) -> str:
        return self.policy.status_label(ComplaintStatus(status), self.lang)  # type: ignore[arg-type]

    def value(self, dimension: Dimension | RepeatKey | str, value: str | None) -> str:
        if value is None or value == "":
            return self.texts["reports.not_given"]
        if dimension == "category":
            category = self.policy.category(value)
            return value if category is None else category.labels[self.lang]  # type: ignore[index]
        if dimension in ("channel", "language"):
            return self.texts.get(f"{dimension}.{value}", value)
        return value


def deadlines(*, session: Session, period: ReportPeriod, labels: Labels) -> DeadlinesReport:
    return service.deadlines_report(session=session, period=period, stage_label=labels.stage)


def breakdown(*, session: Session, period: ReportPeriod, dimension: Dimension, labels: Labels) -> BreakdownReport:
    counts = service.grouped_counts(session=session, period=period, column=col(_COLUMNS[dimension]))
    if dimension is Dimension.staff_member:
        # One person, several spellings: counted together under the most used one.
        merged: dict[str | None, list[tuple[str | None, int]]] = defaultdict(list)
        for value, count in counts:
            merged[None if value is None else service.normalised(value)].append((value, count))
        counts = [
            (max(spellings, key=lambda item: item[1])[0], sum(count for _, count in spellings))
            for spellings in merged.values()
        ]
    items = sorted(
        (BreakdownItem(value=value, label=labels.value(dimension, value), complaints=count) for value, count in counts),
        # "Not given" last: it is no value to act on, however many.
        key=lambda item: (item.value is None, -item.complaints, item.label),
    )
    return BreakdownReport(
        period=period.public(), dimension=dimension, complaints=sum(item.complaints for item in items), items=items
    )


def repeated(
    *, session: Session, period: ReportPeriod, key: RepeatKey, min_count: int, labels: Labels, with_rows: bool = False
) -> tuple[RepeatedReport, list[dict[str, Any]]]:
    """The groups, and `with_rows` the complaints behind them (the CSV)."""
    groups, rows = repeated_groups(
        session=session,
        period=period,
        key=key,
        min_count=min_count,
        label=lambda value: labels.value(key, value),
        with_rows=with_rows,
    )
    complaints = sum(group.complaints for group in groups)
    report = RepeatedReport(period=period.public(), key=key, min_count=min_count, groups=groups, complaints=complaints)
    return report, rows


def closing_loop(*, session: Session, period: ReportPeriod) -> ClosingLoopReport:
    return service.closing_loop_report(session=session, period=period)


def delays(*, session: Session, period: ReportPeriod, complaints: int) -> DelaysReport:
    return service.delays_report(session=session, period=period, complaints=complaints)


# --- CSV ------------------------------------------------------------------------------------------


# The columns that hold moments (written in the policy's time zone) and facts (yes / no).
_MOMENTS = frozenset(
    {"received_at", "acknowledge_by", "acknowledged_at", "resolve_by", "decided_at", "delayed_to", "notice_at"}
)
_FACTS = frozenset({"open", "overdue", "disputed"})


def to_csv(rows: list[dict[str, Any]], columns: tuple[str, ...], policy: PolicyProfile) -> str:
    """Moments in the policy's time zone (ISO 8601 with offset); yes/no for facts (SQLite
    answers them as 0/1); a byte-order mark first, so that spreadsheet programs read the
    Cyrillic and Turkish letters right. One converter per column, chosen once: 100,000 rows."""
    tz = policy.tz

    def moment(value: Any) -> Any:
        return "" if value is None else value.astimezone(tz).isoformat(timespec="seconds")

    def fact(value: Any) -> Any:
        return "" if value is None else ("yes" if value else "no")

    def plain(value: Any) -> Any:
        return "" if value is None else value

    converters = [(name, moment if name in _MOMENTS else fact if name in _FACTS else plain) for name in columns]
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([convert(row.get(name)) for name, convert in converters] for row in rows)
    return buffer.getvalue()


def breakdown_rows(
    *, session: Session, period: ReportPeriod, dimension: Dimension
) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    rows = service.complaint_rows(session=session, period=period)
    if dimension is Dimension.staff_member:
        # The value the figure counts it under (the most used spelling of the same name).
        spelled: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in rows:
            if row["staff_member"] is not None:
                spelled[service.normalised(row["staff_member"])][row["staff_member"]] += 1
        for row in rows:
            name = row["staff_member"]
            row["staff_member_counted_as"] = (
                None if name is None else max(spelled[service.normalised(name)].items(), key=lambda kv: kv[1])[0]
            )
        return rows, (*service.COMPLAINT_COLUMNS, "staff_member_counted_as")
    return rows, service.COMPLAINT_COLUMNS


REPEATED_COLUMNS = ("repeated_value", *service.COMPLAINT_COLUMNS)
DELAY_COLUMNS = ("tracking_number", "received_at", "status", "resolve_by", "delayed_to", "notice_at", "reason")
