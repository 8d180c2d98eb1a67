"""GET /api/reports/...: each figure of the ISO 10002 reports as JSON, or with `format=csv`
the complaints behind it (the same rows the figure counts). Agent rights, as the rest of the
console's API (agents already read every complaint there); the page /reports is for
supervisors and admins (page.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status

from backend.app.accounts.deps import CurrentAgent
from backend.app.core.deps import SessionDep, SettingsDep
from backend.app.core.errors import invalid
from backend.app.core.models import utcnow
from backend.app.core.settings import Settings
from backend.app.policies.deps import PoliciesDep
from backend.app.policies.profile import PolicyProfile
from backend.app.reports import figures, service
from backend.app.reports.models import (
    BreakdownReport,
    ClosingLoopReport,
    DeadlinesReport,
    DelaysReport,
    Dimension,
    RepeatedReport,
    RepeatKey,
)
from backend.app.reports.period import PeriodError, ReportPeriod
from backend.app.workspace import i18n

router = APIRouter(prefix="/api/reports", tags=["reports"])

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


class Format(StrEnum):
    json = "json"
    csv = "csv"


PolicyQuery = Annotated[str | None, Query(max_length=32, description="the policy (default COMPLAINT_POLICY)")]
FromQuery = Annotated[
    dt.date | None, Query(alias="from", description="first day, in the policy's time zone (default: 91 days ago)")
]
ToQuery = Annotated[dt.date | None, Query(alias="to", description="last day, included (default: today)")]
LangQuery = Annotated[str, Query(max_length=2, pattern="^(ru|az|ro|tr|en)$", description="language of the labels")]
FormatQuery = Annotated[Format, Query(description="json, or csv: the complaints behind the figure")]

_CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "the figure, or with format=csv its complaints"},
    401: {"description": "no or an unknown bearer token"},
    403: {"description": "not an agent's token"},
}


def report_period(
    policies: Mapping[str, PolicyProfile],
    settings: Settings,
    policy: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> ReportPeriod:
    """The period asked for, or a 422 naming the parameter."""
    chosen = policy or settings.complaint_policy
    profile = policies.get(chosen)
    if profile is None:
        raise invalid("query", "policy", f"unknown policy; one of {sorted(policies)}", chosen)
    try:
        return ReportPeriod.of(profile, date_from, date_to, utcnow())
    except PeriodError as exc:
        raise invalid("query", "from", str(exc), str(date_from)) from None


def period_query(
    policies: PoliciesDep,
    settings: SettingsDep,
    policy: PolicyQuery = None,
    date_from: FromQuery = None,
    date_to: ToQuery = None,
) -> ReportPeriod:
    """The query parameters every report shares, as its period."""
    return report_period(policies, settings, policy, date_from, date_to)


# The policy and period of a report, from `policy`, `from` and `to`.
PeriodDep = Annotated[ReportPeriod, Depends(period_query)]


def csv_response(text: str, name: str, period: ReportPeriod) -> Response:
    filename = f"{name}-{period.policy.id}-{period.date_from:%Y%m%d}-{period.date_to:%Y%m%d}.csv"
    return Response(
        content=text.encode("utf-8"),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _labels(period: ReportPeriod, lang: str) -> figures.Labels:
    if lang not in i18n.LANGUAGES:
        raise HTTPException(status_code=status.HTTP_422_UNPROCESSABLE_ENTITY, detail="unknown language")
    return figures.Labels(period.policy, lang)


@router.get("/deadlines", response_model=DeadlinesReport, responses=_CSV_RESPONSE)
def deadlines_report(
    _agent: CurrentAgent,
    session: SessionDep,
    period: PeriodDep,
    lang: LangQuery = "en",
    format: FormatQuery = Format.json,
) -> Any:
    """Complaints received in the period; acknowledged and resolved on time (counts, and the
    share of those whose deadline is decided), per week; open and overdue now, by stage."""
    if format is Format.csv:
        rows = service.complaint_rows(session=session, period=period)
        return csv_response(figures.to_csv(rows, service.COMPLAINT_COLUMNS, period.policy), "deadlines", period)
    return figures.deadlines(session=session, period=period, labels=_labels(period, lang))


@router.get("/breakdown/{dimension}", response_model=BreakdownReport, responses=_CSV_RESPONSE)
def breakdown_report(
    dimension: Dimension,
    _agent: CurrentAgent,
    session: SessionDep,
    period: PeriodDep,
    lang: LangQuery = "en",
    format: FormatQuery = Format.json,
) -> Any:
    """The period's complaints by category, channel, language or staff member (spellings of one
    name that differ in case or spaces count as one)."""
    if format is Format.csv:
        rows, columns = figures.breakdown_rows(session=session, period=period, dimension=dimension)
        return csv_response(figures.to_csv(rows, columns, period.policy), f"by-{dimension}", period)
    return figures.breakdown(session=session, period=period, dimension=dimension, labels=_labels(period, lang))


@router.get("/repeated", response_model=RepeatedReport, responses=_CSV_RESPONSE)
def repeated_report(
    _agent: CurrentAgent,
    session: SessionDep,
    period: PeriodDep,
    key: Annotated[RepeatKey, Query(description="what the complaints share")] = RepeatKey.customer,
    min_count: Annotated[int, Query(ge=2, le=1000, description="complaints a group needs")] = 2,
    lang: LangQuery = "en",
    format: FormatQuery = Format.json,
) -> Any:
    """Repeated complaints of the period: the same customer (phone or e-mail in common), or the
    same category, staff member or inverter model, `min_count` times or more."""
    report, rows = figures.repeated(
        session=session,
        period=period,
        key=key,
        min_count=min_count,
        labels=_labels(period, lang),
        with_rows=format is Format.csv,
    )
    if format is Format.csv:
        return csv_response(figures.to_csv(rows, figures.REPEATED_COLUMNS, period.policy), f"repeated-{key}", period)
    return report


@router.get("/closing-loop", response_model=ClosingLoopReport, responses=_CSV_RESPONSE)
def closing_loop_report(
    _agent: CurrentAgent,
    session: SessionDep,
    period: PeriodDep,
    format: FormatQuery = Format.json,
) -> Any:
    """Ratings (1-5), rejected decisions and disputes of the period's complaints; the CSV lists
    the complaints rated, rejected or disputed."""
    if format is Format.csv:
        rows = service.complaint_rows(session=session, period=period, where=[service.closing_loop_clause(period)])
        return csv_response(figures.to_csv(rows, service.COMPLAINT_COLUMNS, period.policy), "closing-loop", period)
    return figures.closing_loop(session=session, period=period)


@router.get("/delays", response_model=DelaysReport, responses=_CSV_RESPONSE)
def delays_report(
    _agent: CurrentAgent,
    session: SessionDep,
    period: PeriodDep,
    format: FormatQuery = Format.json,
) -> Any:
    """Delay notices about the period's complaints and their reasons (one CSV row per notice)."""
    if format is Format.csv:
        rows = [dict(row._mapping) for row in service.delay_rows(session=session, period=period)]
        return csv_response(figures.to_csv(rows, figures.DELAY_COLUMNS, period.policy), "delays", period)
    return figures.delays(
        session=session, period=period, complaints=service.count_in_period(session=session, period=period)
    )
