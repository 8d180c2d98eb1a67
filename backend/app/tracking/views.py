"""The customer's tracking page: GET /track (in ru, az, ro or tr: `?lang=`, else the browser's
Accept-Language, else the default policy's first language), the PIN form (POST /track) and the
customer's answers (POST /track/decision, /track/rating), all plain HTML forms that work
without JavaScript. The answers go through the chat's closing loop (complaints/flows.py,
closing_loop.py); after a right PIN a signed cookie keeps the customer in (session.py)."""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Annotated

import jinja2
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from backend.app.complaints import closing_loop, flows, service
from backend.app.complaints.deps import complaint_or_404
from backend.app.complaints.models import Complaint, CustomerDecision
from backend.app.core.deps import SessionDep, SettingsDep
from backend.app.core.models import utcnow
from backend.app.core.security import parse_tracking_number
from backend.app.core.settings import Settings
from backend.app.notifications.service import NotificationsDep
from backend.app.policies.deps import PoliciesDep
from backend.app.policies.profile import PolicyProfile
from backend.app.tracking import guard, presenters
from backend.app.tracking import session as track_session
from backend.app.tracking.rate_limit import Budget
from contract import pins
from contract.dates import local_moment
from contract.statuses import ComplaintStatus, Language

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
# Only the page's own style sheet; no script runs, nothing is loaded from elsewhere.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # The page shows personal data: never kept by a shared cache or the browser's back button.
    "Cache-Control": "no-store",
}
# What the page says after an action (?done=...), by the text key.
_DONE = {"approved": "done.approved", "reopened": "done.reopened", "disputed": "done.disputed", "rated": "done.rated"}

router = APIRouter(prefix="/track", tags=["tracking page"])

Lang = Annotated[str | None, Form(max_length=8)]
Csrf = Annotated[str | None, Form(max_length=128)]


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )


def choose_language(request: Request, wanted: str | None, default: str) -> str:
    """`wanted` (?lang= or the form's), else Accept-Language's most wanted of the four, else `default`."""
    if wanted and wanted.lower() in presenters.LANGUAGES:
        return wanted.lower()
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(request.headers.get("accept-language", "")[:500].split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        code = tag.split("-")[0].lower()
        if code in presenters.LANGUAGES and quality > 0:
            ranked.append((-quality, index, code))
    return sorted(ranked)[0][2] if ranked else default


def _default_language(settings: Settings, policies: dict[str, PolicyProfile]) -> str:
    return policies[settings.complaint_policy].languages[0].value


def _render(
    request: Request,
    settings: Settings,
    lang: str,
    *,
    view: presenters.TrackingView | None = None,
    error: str | None = None,
    done: str | None = None,
    status: int = HTTPStatus.OK,
    headers: dict[str, str] | None = None,
    tracking_number: str = "",
) -> HTMLResponse:
    nonce, fresh = track_session.csrf_nonce(request)
    html = (
        _templates()
        .get_template("track.html")
        .render(
            lang=lang,
            t=presenters.texts(lang),
            languages=presenters.LANGUAGES.items(),
            view=view,
            error=error,
            done=done,
            csrf=track_session.csrf_token(settings, nonce),
            tracking_number=tracking_number,
            pin_digits=pins.DIGITS,
        )
    )
    response = HTMLResponse(
        html,
        status_code=status,
        headers={**_HEADERS, "Vary": "Accept-Language, Cookie", "Content-Language": lang, **(headers or {})},
    )
    if fresh:
        track_session.set_csrf(request, response, nonce)
    return response


def _signed_in(request: Request, session: Session, settings: Settings) -> Complaint | None:
    complaint_id = track_session.complaint_id(request)
    if complaint_id is None:
        return None
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or complaint.erased_at is not None:
        return None
    return complaint if track_session.valid(request, settings, complaint.pin_hash) else None


def _page(lang: str, done: str | None = None) -> RedirectResponse:
    suffix = f"&done={done}" if done else ""
    return RedirectResponse(f"/track?lang={lang}{suffix}", status_code=HTTPStatus.SEE_OTHER, headers=_HEADERS)


def _when(policy: PolicyProfile, seconds: int, lang: str) -> str:
    """The moment a refused customer may try again, in `policy`'s time zone."""
    moment = utcnow() + dt.timedelta(seconds=max(1, seconds) + 59)  # the minute after, not before
    return local_moment(policy.local(moment).replace(second=0, microsecond=0), lang)


@router.get("", response_class=HTMLResponse, summary="the customer's tracking page")
def tracking_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    policies: PoliciesDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    done: Annotated[str | None, Query(max_length=16)] = None,
) -> HTMLResponse:
    complaint = _signed_in(request, session, settings)
    default = _default_language(settings, policies) if complaint is None else complaint.language
    chosen = choose_language(request, lang, default)
    if complaint is None:
        return _render(request, settings, chosen)
    view = presenters.tracking_view(complaint, policies[complaint.policy], chosen)
    return _render(request, settings, chosen, view=view, done=_DONE.get(done or ""))


@router.get("/track.css", include_in_schema=False)
def style_sheet() -> FileResponse:
    return FileResponse(HERE / "static" / "track.css", media_type="text/css", headers={"Cache-Control": "no-cache"})


@router.post("", response_class=HTMLResponse, summary="the tracking page's PIN form", response_model=None)
def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    policies: PoliciesDep,
    limit: guard.LookupLimitDep,
    tracking_number: Annotated[str, Form(max_length=40)] = "",
    pin: Annotated[str, Form(max_length=40)] = "",
    csrf: Csrf = None,
    lang: Lang = None,
) -> Response:
    chosen = choose_language(request, lang, _default_language(settings, policies))
    if not track_session.csrf_ok(request, settings, csrf):
        return _render(request, settings, chosen, error="err.csrf", status=HTTPStatus.FORBIDDEN)
    try:
        number: str | None = parse_tracking_number(tracking_number)
    except ValueError:
        number = None
    digits = pin.strip()
    try:
        complaint, budget = guard.look_up(
            session=session,
            settings=settings,
            limit=limit,
            client=guard.client_key(request, settings),
            tracking_number=number,
            pin=digits if len(digits) == pins.DIGITS and digits.isascii() and digits.isdigit() else None,
            now=utcnow(),
        )
    except guard.OverLimit as over:
        log.warning("tracking page: client over the look-up limit")
        policy = policies[settings.complaint_policy]
        return _refused(request, settings, policy, chosen, "err.limited", over.budget, over.budget.reset_seconds)
    except guard.Refused as refused:
        if refused.locked is not None:
            # A locked complaint exists (the 429 says so anyway): its own time zone.
            assert number is not None
            locked = service.get_complaint_by_tracking_number(session=session, tracking_number=number)
            policy = policies[locked.policy if locked else settings.complaint_policy]
            seconds = int(refused.locked.remaining.total_seconds())
            response = _refused(request, settings, policy, chosen, "err.locked", refused.budget, seconds)
            response.headers["Retry-After"] = refused.locked.retry_after
            return response
        headers = {} if refused.budget is None else refused.budget.headers
        return _render(
            request,
            settings,
            chosen,
            error="err.not_found",
            status=HTTPStatus.NOT_FOUND,
            headers=headers,
            tracking_number=number or "",
        )
    assert complaint.id is not None and complaint.pin_hash is not None
    response = _page(chosen)
    if budget is not None:
        response.headers.update(budget.headers)
    track_session.start(request, response, settings, complaint.id, complaint.pin_hash)
    log.info("tracking page: signed in tracking_number=%s", complaint.tracking_number)
    return response


def _refused(
    request: Request,
    settings: Settings,
    policy: PolicyProfile,
    lang: str,
    key: str,
    budget: Budget | None,
    seconds: int,
) -> HTMLResponse:
    headers = {} if budget is None else budget.headers
    headers["Retry-After"] = str(max(1, seconds))
    when = _when(policy, seconds, lang)
    return _render(
        request,
        settings,
        lang,
        error=presenters.texts(lang)[key].format(when=when),
        status=HTTPStatus.TOO_MANY_REQUESTS,
        headers=headers,
    )


def _answering(
    request: Request, session: Session, settings: Settings, csrf: str | None, lang: str
) -> Complaint | HTMLResponse:
    """The signed-in customer's complaint, locked for the change; or the page that says why not."""
    if not track_session.csrf_ok(request, settings, csrf):
        return _render(request, settings, lang, error="err.csrf", status=HTTPStatus.FORBIDDEN)
    complaint = _signed_in(request, session, settings)
    if complaint is None:
        return _render(request, settings, lang, error="err.session", status=HTTPStatus.UNAUTHORIZED)
    return complaint_or_404(session, complaint.tracking_number, for_update=True)


@router.post("/decision", response_class=HTMLResponse, summary="approve or reject the decision", response_model=None)
def answer_decision(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    policies: PoliciesDep,
    notifications: NotificationsDep,
    answer: Annotated[str, Form(pattern="^(approve|reject)$")],
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf: Csrf = None,
    lang: Lang = None,
) -> Response:
    chosen = choose_language(request, lang, _default_language(settings, policies))
    found = _answering(request, session, settings, csrf, chosen)
    if isinstance(found, HTMLResponse):
        return found
    policy = policies[found.policy]
    approved = answer == "approve"
    if not approved and not reason.strip():
        view = presenters.tracking_view(found, policy, chosen)
        return _render(
            request, settings, chosen, view=view, error="err.reason_required", status=HTTPStatus.UNPROCESSABLE_ENTITY
        )
    decision = CustomerDecision(approved=approved, reason=reason.strip() or None, language=Language(chosen))
    try:
        complaint = flows.answer_decision(
            session=session,
            complaint=found,
            decision=decision,
            policy=policy,
            recorded_by=closing_loop.CUSTOMER,
            notifications=notifications,
            now=utcnow(),
        )
    except closing_loop.NotResolved:
        session.rollback()
        return _conflict(request, session, settings, policies, found.tracking_number, chosen, "err.not_resolved")
    done = "approved" if approved else ComplaintStatus(complaint.status).value
    return _page(chosen, done)


@router.post("/rating", response_class=HTMLResponse, summary="rate the handling 1-5", response_model=None)
def rate(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    policies: PoliciesDep,
    rating: Annotated[int, Form(ge=1, le=5)],
    csrf: Csrf = None,
    lang: Lang = None,
) -> Response:
    chosen = choose_language(request, lang, _default_language(settings, policies))
    found = _answering(request, session, settings, csrf, chosen)
    if isinstance(found, HTMLResponse):
        return found
    try:
        closing_loop.record_rating(
            session=session, complaint=found, rating=rating, recorded_by=closing_loop.CUSTOMER, now=utcnow()
        )
    except closing_loop.NotRatable:
        session.rollback()
        return _conflict(request, session, settings, policies, found.tracking_number, chosen, "err.not_ratable")
    log.info("tracking page: rating stored tracking_number=%s", found.tracking_number)
    return _page(chosen, "rated")


def _conflict(
    request: Request,
    session: Session,
    settings: Settings,
    policies: dict[str, PolicyProfile],
    tracking_number: str,
    lang: str,
    key: str,
) -> HTMLResponse:
    complaint = complaint_or_404(session, tracking_number)
    view = presenters.tracking_view(complaint, policies[complaint.policy], lang)
    return _render(request, settings, lang, view=view, error=key, status=HTTPStatus.CONFLICT)


@router.post("/logout", summary="end the tracking page's session", response_model=None)
def sign_out(
    request: Request, settings: SettingsDep, policies: PoliciesDep, csrf: Csrf = None, lang: Lang = None
) -> Response:
    chosen = choose_language(request, lang, _default_language(settings, policies))
    if not track_session.csrf_ok(request, settings, csrf):
        return _render(request, settings, chosen, error="err.csrf", status=HTTPStatus.FORBIDDEN)
    response = _page(chosen)
    track_session.end(response)
    return response
