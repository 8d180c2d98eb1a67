"""The counts beside the workspace's views: how many complaints each view holds under the
agent's filters, in one pass over the complaints, and the conversations waiting for an agent."""

import datetime as dt
from collections.abc import Mapping

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from backend.app.complaints.filters import ComplaintFilter, View, base_clauses, view_clause
from backend.app.complaints.models import Complaint
from backend.app.handoff import service as handoffs
from backend.app.handoff.models import HandoffStatus
from backend.app.policies.profile import PolicyProfile


class WorkspaceCounts(SQLModel):
    all: int
    waiting: int  # conversations handed over and waiting for an agent (no complaint filter applies)
    mine: int
    unassigned: int
    overdue: int
    due_today: int
    rejected: int
    failed_notifications: int


def workspace_counts(
    *, session: Session, wanted: ComplaintFilter, policies: Mapping[str, PolicyProfile], now: dt.datetime
) -> WorkspaceCounts:
    dialect = session.get_bind().dialect.name
    columns = []
    for view in View:
        clause = view_clause(
            view, now=now, policies=policies, assignee_id=wanted.assignee_id, status_given=wanted.status is not None
        )
        counted = sa.func.count() if clause is None else sa.func.sum(sa.case((clause, 1), else_=0))
        columns.append(sa.func.coalesce(counted, 0).label(view.value))
    row = session.exec(
        select(*columns).select_from(Complaint).where(*base_clauses(wanted, now=now, dialect=dialect))
    ).one()
    waiting = handoffs.count_handoffs(session=session, statuses=[HandoffStatus.waiting])
    return WorkspaceCounts(waiting=waiting, **{view.value: int(value) for view, value in zip(View, row, strict=True)})
