"""The agents' lists of complaints as SQL: the views (mine, overdue, due today...), the filters
and the search, written so that the indexes of alembic 0007 serve them on SQLite and
PostgreSQL. `is_overdue` and `next_deadline` are the Python twins the presenters use."""

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from backend.app.complaints.models import Complaint
from backend.app.policies.profile import PolicyProfile
from contract.statuses import RESOLUTION_STOPPED, Channel, ComplaintStatus, Language


class View(StrEnum):
    all = "all"
    mine = "mine"  # assigned to the caller and not finished
    unassigned = "unassigned"  # nobody has it and it is not finished
    overdue = "overdue"
    due_today = "due_today"  # an open deadline falls today in the policy's time zone
    rejected = "rejected"  # the customer rejected the decision: reopened or disputed
    failed_notifications = "failed_notifications"


# The resolution deadline runs in these (the complement of RESOLUTION_STOPPED): an IN list,
# not a NOT IN, so that an index on (status, <deadline>) is searched by its first column.
RESOLUTION_RUNNING = tuple(status.value for status in ComplaintStatus if status not in RESOLUTION_STOPPED)
# Work is over once the decision is given or the complaint closed; `mine` and `unassigned`
# list what is still to do (an explicit status filter overrides this).
FINISHED = (ComplaintStatus.resolved.value, ComplaintStatus.closed.value)
UNFINISHED = tuple(status.value for status in ComplaintStatus if status.value not in FINISHED)
REJECTED = (ComplaintStatus.reopened.value, ComplaintStatus.disputed.value)

# The searched columns as one lower-cased text: one LIKE per search instead of eight, and on
# PostgreSQL one trigram index (alembic 0007 repeats this expression word for word; keep both
# equal). The unit separator keeps a word from matching across two fields.
SEARCHED_COLUMNS = (
    "tracking_number",
    "full_name",
    "phone",
    "email",
    "staff_member",
    "complaint_text",
    "ticket_number",
    "serial_number",
)
SEARCH_DOCUMENT_SQL = "lower(" + " || chr(31) || ".join(f"coalesce({name}, '')" for name in SEARCHED_COLUMNS) + ")"
SEARCH_DOCUMENT_SQLITE = "lower(" + " || char(31) || ".join(f"coalesce({name}, '')" for name in SEARCHED_COLUMNS) + ")"
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{5,}$")


@dataclass(frozen=True)
class ComplaintFilter:
    """What an agent asked for; `assignee_id` is the caller's own account (view `mine`)."""

    view: View = View.all
    status: ComplaintStatus | None = None
    overdue: bool | None = None
    q: str | None = None
    policy: str | None = None
    language: Language | None = None
    channel: Channel | None = None
    assigned_to_id: int | None = None
    unassigned: bool = False
    notification_failed: bool | None = None
    assignee_id: int | None = None
    # A team's queue (`team=<id>`), or the caller's teams' (`team=mine`); None: any.
    team_ids: tuple[int, ...] | None = None


def overdue_clause(now: dt.datetime) -> ColumnElement[bool]:
    """SQL twin of `is_overdue`."""
    return sa.or_(
        sa.and_(col(Complaint.acknowledged_at).is_(None), col(Complaint.acknowledge_by) < now),
        sa.and_(col(Complaint.status).in_(RESOLUTION_RUNNING), col(Complaint.resolve_by) < now),
    )


def is_overdue(complaint: Complaint, now: dt.datetime) -> bool:
    """Not acknowledged in time, or not resolved in time."""
    return (complaint.acknowledged_at is None and complaint.acknowledge_by < now) or (
        complaint.status not in RESOLUTION_STOPPED and complaint.resolve_by < now
    )


def open_deadlines(complaint: Complaint) -> list[tuple[str, dt.datetime]]:
    """The deadlines still running: the acknowledgement until it is given, the others until
    the decision (the resolution stops)."""
    found: list[tuple[str, dt.datetime]] = []
    if complaint.acknowledged_at is None:
        found.append(("acknowledge", complaint.acknowledge_by))
    if complaint.status not in RESOLUTION_STOPPED:
        for kind, moment in (
            ("investigate", complaint.investigate_by),
            ("progress_update", complaint.progress_update_by),
            ("resolve", complaint.resolve_by),
        ):
            if moment is not None:
                found.append((kind, moment))
    return found


def next_deadline(complaint: Complaint) -> tuple[str, dt.datetime] | None:
    """The earliest open deadline (a breached one included), or None."""
    return min(open_deadlines(complaint), key=lambda item: item[1], default=None)


def local_today(policy: PolicyProfile, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Today in the policy's time zone, as a UTC interval [start, end)."""
    day = policy.local(now).date()
    start = dt.datetime.combine(day, dt.time(), tzinfo=policy.tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=policy.tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def due_today_clause(policies: Mapping[str, PolicyProfile], now: dt.datetime) -> ColumnElement[bool]:
    """An open deadline falls today, each policy in its own time zone: one indexable range
    per deadline and policy."""
    branches: list[ColumnElement[bool]] = []
    running = col(Complaint.status).in_(RESOLUTION_RUNNING)
    for policy in policies.values():
        start, end = local_today(policy, now)
        of_policy = col(Complaint.policy) == policy.id

        def today(column: object, start: dt.datetime = start, end: dt.datetime = end) -> ColumnElement[bool]:
            return sa.and_(col(column) >= start, col(column) < end)  # type: ignore[arg-type]

        branches.append(sa.and_(col(Complaint.acknowledged_at).is_(None), today(Complaint.acknowledge_by), of_policy))
        for column in (Complaint.investigate_by, Complaint.progress_update_by, Complaint.resolve_by):
            branches.append(sa.and_(running, today(column), of_policy))
    return sa.or_(*branches) if branches else sa.false()


def search_clause(q: str, dialect: str) -> ColumnElement[bool]:
    """`q` anywhere in the searched fields, case-insensitive; a phone number typed the local
    way ("050 123 45 67") also finds the stored E.164 form by its digits without the
    leading zeros."""
    document = sa.literal_column(SEARCH_DOCUMENT_SQLITE if dialect == "sqlite" else SEARCH_DOCUMENT_SQL)
    needles = [q]
    if _PHONE_LIKE.match(q):
        digits = re.sub(r"\D", "", q).lstrip("0")
        if len(digits) >= 5 and digits != q:
            needles.append(digits)
    return sa.or_(*(document.like(sa.func.lower(_contains_pattern(needle)), escape="/") for needle in needles))


def _contains_pattern(text: str) -> str:
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def view_clause(
    view: View, *, now: dt.datetime, policies: Mapping[str, PolicyProfile], assignee_id: int | None, status_given: bool
) -> ColumnElement[bool] | None:
    unfinished = None if status_given else col(Complaint.status).in_(UNFINISHED)
    match view:
        case View.all:
            return None
        case View.mine:
            if assignee_id is None:  # the built-in AGENT_TOKEN has no account: nothing is its own
                return sa.false()
            return sa.and_(col(Complaint.assigned_to_id) == assignee_id, *([] if unfinished is None else [unfinished]))
        case View.unassigned:
            return sa.and_(col(Complaint.assigned_to_id).is_(None), *([] if unfinished is None else [unfinished]))
        case View.overdue:
            return overdue_clause(now)
        case View.due_today:
            return due_today_clause(policies, now)
        case View.rejected:
            return col(Complaint.status).in_(REJECTED)
        case View.failed_notifications:
            return col(Complaint.notification_failed) == sa.true()


def base_clauses(wanted: ComplaintFilter, *, now: dt.datetime, dialect: str) -> list[ColumnElement[bool]]:
    """Every filter but the view (the counts apply each view on top of these)."""
    clauses: list[ColumnElement[bool]] = []
    if wanted.assigned_to_id is not None:
        clauses.append(col(Complaint.assigned_to_id) == wanted.assigned_to_id)
    if wanted.unassigned:
        clauses.append(col(Complaint.assigned_to_id).is_(None))
    if wanted.team_ids is not None:
        clauses.append(col(Complaint.team_id).in_(wanted.team_ids) if wanted.team_ids else sa.false())
    if wanted.status is not None:
        clauses.append(col(Complaint.status) == wanted.status)
    if wanted.policy is not None:
        clauses.append(col(Complaint.policy) == wanted.policy)
    if wanted.language is not None:
        clauses.append(col(Complaint.language) == wanted.language)
    if wanted.channel is not None:
        clauses.append(col(Complaint.channel) == wanted.channel)
    if wanted.notification_failed is not None:
        clauses.append(col(Complaint.notification_failed) == (sa.true() if wanted.notification_failed else sa.false()))
    if wanted.overdue is not None:
        clause = overdue_clause(now)
        clauses.append(clause if wanted.overdue else sa.not_(clause))
    if wanted.q:
        clauses.append(search_clause(wanted.q, dialect))
    return clauses


def where_clauses(
    wanted: ComplaintFilter, *, now: dt.datetime, policies: Mapping[str, PolicyProfile], dialect: str
) -> list[ColumnElement[bool]]:
    clauses = base_clauses(wanted, now=now, dialect=dialect)
    view = view_clause(
        wanted.view, now=now, policies=policies, assignee_id=wanted.assignee_id, status_given=wanted.status is not None
    )
    if view is not None:
        clauses.append(view)
    return clauses
