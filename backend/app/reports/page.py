"""The /reports page for supervisors and admins, in the console's five languages.

`GET /reports` is the page itself (web/reports/index.html rendered with Jinja2 in the chosen
language: the login, the policy and period picker). It holds no figures: the console's login
gives a bearer token kept by the browser (web/agent/api.js), never a cookie, so the page's
script asks `GET /reports/figures` with that token and shows the HTML it answers, written
here on the server with its plots as SVG (svg.py). Agents get 403 there; supervisors and
admins see the figures. The CSV links go to the API (views.py), fetched with the same token.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Cookie, Depends, Header, HTTPException, Query, status
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlmodel import Session

from backend.app.accounts.deps import Caller, get_current_agent
from backend.app.accounts.models import AgentRole
from backend.app.core.deps import SessionDep, SettingsDep
from backend.app.core.settings import REPO_ROOT
from backend.app.policies.deps import PoliciesDep
from backend.app.reports import figures, svg
from backend.app.reports.i18n import texts
from backend.app.reports.models import Dimension, RepeatKey
from backend.app.reports.period import ReportPeriod
from backend.app.reports.views import report_period
from backend.app.workspace import i18n
from backend.app.workspace.views import _HEADERS
from contract.dates import local_date, local_moment

REPORTS_DIR = REPO_ROOT / "web" / "reports"
_ASSET_NAME = re.compile(r"^[a-z0-9_]+\.(js|css)$")
_MEDIA_TYPES = {"js": "text/javascript", "css": "text/css"}
# Groups of repeated complaints shown per key on the page (the CSV and the API have them all).
SHOWN_GROUPS = 10
# Bars per breakdown plot; the rest are in the CSV.
SHOWN_BARS = 12

router = APIRouter(tags=["reports"])


def get_current_supervisor(agent: Annotated[Caller, Depends(get_current_agent)]) -> Caller:
    if not agent.has_role(AgentRole.supervisor):
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="supervisor or admin rights required")
    return agent


CurrentSupervisor = Annotated[Caller, Depends(get_current_supervisor)]


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(REPORTS_DIR), autoescape=True, undefined=jinja2.StrictUndefined
    )


@router.get("/reports", response_class=HTMLResponse, summary="the ISO 10002 reports page")
def reports_page(
    policies: PoliciesDep,
    settings: SettingsDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    agent_lang: Annotated[str | None, Cookie(max_length=8)] = None,
    accept_language: Annotated[str | None, Header(max_length=500)] = None,
) -> HTMLResponse:
    """In `?lang=`, else the console's language cookie, else the browser's, else English."""
    chosen = i18n.choose_language(lang, agent_lang, accept_language)
    html = (
        _templates()
        .get_template("index.html")
        .render(
            lang=chosen,
            t=texts(chosen),
            languages=sorted(i18n.LANGUAGES.items()),
            policies=sorted(policies),
            default_policy=settings.complaint_policy,
        )
    )
    headers = {**_HEADERS, "Vary": "Accept-Language, Cookie", "Content-Language": chosen}
    return HTMLResponse(html, headers=headers)


@router.get("/reports/{asset}", include_in_schema=False, response_model=None)
def reports_asset(asset: str) -> Response:
    match = _ASSET_NAME.match(asset)
    if match is None or not (REPORTS_DIR / asset).is_file():
        return HTMLResponse("not found", status_code=404)
    return FileResponse(REPORTS_DIR / asset, media_type=_MEDIA_TYPES[match.group(1)], headers=_HEADERS)


@router.get(
    "/api/reports/page",
    response_class=HTMLResponse,
    summary="every figure of the reports as HTML with SVG plots (the /reports page)",
    responses={401: {"description": "no or an unknown token"}, 403: {"description": "an agent's token"}},
)
def reports_figures(
    _supervisor: CurrentSupervisor,
    session: SessionDep,
    policies: PoliciesDep,
    settings: SettingsDep,
    policy: Annotated[str | None, Query(max_length=32)] = None,
    date_from: Annotated[dt.date | None, Query(alias="from")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to")] = None,
    lang: Annotated[str, Query(pattern="^(ru|az|ro|tr|en)$")] = "en",
) -> HTMLResponse:
    period = report_period(policies, settings, policy, date_from, date_to)
    html = _templates().get_template("figures.html").render(**figures_context(session, period, lang))
    return HTMLResponse(html, headers={**_HEADERS, "Content-Language": lang})


def figures_context(session: Session, period: ReportPeriod, lang: str) -> dict[str, Any]:
    t = texts(lang)
    labels = figures.Labels(period.policy, lang)
    deadlines = figures.deadlines(session=session, period=period, labels=labels)
    breakdowns = {
        dimension: figures.breakdown(session=session, period=period, dimension=dimension, labels=labels)
        for dimension in Dimension
    }
    repeated = {
        key: figures.repeated(session=session, period=period, key=key, min_count=2, labels=labels)[0]
        for key in RepeatKey
    }
    closing = figures.closing_loop(session=session, period=period)
    delays = figures.delays(session=session, period=period, complaints=deadlines.complaints)
    query = f"policy={period.policy.id}&from={period.date_from}&to={period.date_to}"

    def day(value: dt.date) -> str:
        return local_date(value, lang, weekday=False)

    def percent(share: float | None) -> str:
        return "—" if share is None else f"{share * 100:.0f} %"

    weeks = deadlines.weeks
    plots = {
        "weekly": svg.columns(
            [f"{monday:%d.%m}" for monday in (week.week_start for week in weeks)],
            [
                svg.Series(t["reports.ack_on_time"], [week.acknowledged_on_time_share for week in weeks]),
                svg.Series(t["reports.resolved_on_time"], [week.resolved_on_time_share for week in weeks]),
            ],
            title=t["reports.weekly"],
            width=1220,
        ),
        "stages": svg.bars(
            [stage.label for stage in deadlines.by_stage],
            [
                svg.Series(t["reports.open"], [stage.open for stage in deadlines.by_stage]),
                svg.Series(t["reports.overdue"], [stage.overdue for stage in deadlines.by_stage]),
            ],
            title=t["reports.stages"],
        ),
        "ratings": svg.bars(
            [f"{'★' * rating.rating}" for rating in closing.ratings],
            [svg.Series(t["reports.ratings"], [rating.complaints for rating in closing.ratings])],
            title=t["reports.ratings"],
        ),
    }
    for dimension, report in breakdowns.items():
        shown = report.items[:SHOWN_BARS]
        plots[f"by.{dimension}"] = svg.bars(
            [item.label for item in shown],
            [svg.Series(t["reports.complaints"], [item.complaints for item in shown])],
            title=t[f"reports.by.{dimension}"],
        )
    return {
        "t": t,
        "lang": lang,
        "query": query,
        "period_text": t["reports.period"]
        .replace("{from}", day(period.date_from))
        .replace("{to}", day(period.date_to))
        .replace("{timezone}", period.policy.timezone)
        .replace("{as_of}", local_moment(period.policy.local(period.now), lang)),
        "period": period,
        "deadlines": deadlines,
        "ack_share": percent(deadlines.acknowledged_on_time_share),
        "resolve_share": percent(deadlines.resolved_on_time_share),
        "ack_decided": t["reports.decided"]
        .replace("{decided}", str(deadlines.acknowledged_on_time + deadlines.acknowledged_late))
        .replace("{pending}", str(deadlines.acknowledge_pending)),
        "resolve_decided": t["reports.decided"]
        .replace("{decided}", str(deadlines.resolved_on_time + deadlines.resolved_late))
        .replace("{pending}", str(deadlines.resolve_pending)),
        "plots": plots,
        "dimensions": list(Dimension),
        "repeated": {key: report.groups[:SHOWN_GROUPS] for key, report in repeated.items()},
        "repeat_keys": list(RepeatKey),
        "closing": closing,
        "delays": delays,
        "day": day,
    }
