"""Repeated complaints, the list ISO 10002's improvement step starts from: complaints of the
period that share a customer (a phone number or an e-mail address in common, linked through
each other: A and B share a phone, B and C an e-mail address, so A, B and C are one customer),
a category, a staff member or an inverter model, `min_count` of them or more.

Staff members and inverter models are free text: spellings that differ only in case and
spaces are one ("Кассир  Лейла" and "кассир лейла"); this folding is done here in Python,
because SQLite's lower() folds ASCII letters only."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from backend.app.complaints.models import Complaint
from backend.app.reports.models import RepeatedGroup, RepeatKey
from backend.app.reports.period import ReportPeriod
from backend.app.reports.service import complaint_rows, in_period, normalised

# The JSON names this many tracking numbers per group; the CSV has every complaint.
LISTED = 20

_COLUMNS = {
    RepeatKey.category: Complaint.complaint_category,
    RepeatKey.staff_member: Complaint.staff_member,
    RepeatKey.inverter_model: Complaint.inverter_model,
}


def _model_key(text: str) -> str:
    return "".join(text.split()).upper()


_KEYS: dict[RepeatKey, Callable[[str], str]] = {
    RepeatKey.category: lambda text: text,
    RepeatKey.staff_member: normalised,
    RepeatKey.inverter_model: _model_key,
}


def _customers(rows: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Union-find over the complaints that share a phone or an e-mail address."""
    parent: dict[int, int] = {}

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    first_with: dict[str, int] = {}
    for row in rows:
        parent[row["id"]] = row["id"]
        for contact in (row["phone"], (row["email"] or "").casefold() or None):
            if contact is None:
                continue
            other = first_with.setdefault(contact, row["id"])
            parent[find(row["id"])] = find(other)
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[find(row["id"])].append(row)
    return groups


def _shared_contact(members: list[dict[str, Any]]) -> str:
    """The phone or address most of the group's complaints give (what links them)."""
    counts: Counter[str] = Counter()
    for member in members:
        counts.update(contact for contact in (member["phone"], member["email"]) if contact)
    return max(counts.items(), key=lambda item: item[1])[0]


def _customer_candidates(period: ReportPeriod) -> ColumnElement[bool]:
    """Complaints that share a phone or an e-mail address with another of the period: only they
    can be in a group, so only they are read (two grouped sub-queries)."""
    phone, email = col(Complaint.phone), sa.func.lower(col(Complaint.email))
    phones = sa.select(phone).where(*in_period(period), phone.is_not(None)).group_by(phone).having(sa.func.count() > 1)
    emails = (
        sa.select(email)
        .where(*in_period(period), col(Complaint.email).is_not(None))
        .group_by(email)
        .having(sa.func.count() > 1)
    )
    return sa.or_(phone.in_(phones), email.in_(emails))


def _light_rows(session: Session, period: ReportPeriod, where: list[ColumnElement[bool]]) -> list[dict[str, Any]]:
    """What the JSON needs of each complaint (the CSV reads complaint_rows instead)."""
    statement = (
        sa.select(
            col(Complaint.id),
            col(Complaint.tracking_number),
            col(Complaint.received_at),
            col(Complaint.phone),
            col(Complaint.email),
        )
        .where(*in_period(period), *where)
        .order_by(col(Complaint.received_at), col(Complaint.id))
    )
    # Core, not the ORM session's result machinery: these are plain rows, up to 100,000 of them.
    return [dict(row._mapping) for row in session.connection().execute(statement)]


@dataclass
class _Found:
    value: str
    members: list[dict[str, Any]]  # with_rows: every complaint; else the first LISTED
    complaints: int
    first: dt.datetime
    last: dt.datetime


def _customer_groups(session: Session, period: ReportPeriod, with_rows: bool) -> list[_Found]:
    where = [_customer_candidates(period)]
    rows = (
        complaint_rows(session=session, period=period, where=where)
        if with_rows
        else _light_rows(session, period, where)
    )
    return [
        _Found(
            value=_shared_contact(members),
            members=members,
            complaints=len(members),
            first=members[0]["received_at"],
            last=members[-1]["received_at"],
        )
        for members in _customers(rows).values()
    ]


def _value_groups(
    session: Session, period: ReportPeriod, key: RepeatKey, min_count: int, with_rows: bool
) -> list[_Found]:
    """Counted in SQL by the stored value, spellings merged here (under the most used one);
    then only the kept groups' complaints are read: all of them for the CSV, the first LISTED
    of each stored value for the JSON."""
    column = col(_COLUMNS[key])
    name = _COLUMNS[key].key  # type: ignore[attr-defined]
    fold = _KEYS[key]
    received = col(Complaint.received_at)
    counted = session.execute(
        sa.select(column, sa.func.count(), sa.func.min(received), sa.func.max(received))
        .where(*in_period(period), column.is_not(None))
        .group_by(column)
    ).all()
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    spans: dict[str, list[dt.datetime]] = defaultdict(list)
    for value, count, first, last in counted:
        spellings[fold(value)][value] += int(count)
        spans[fold(value)] += [_utc(first), _utc(last)]
    kept = {folded: found for folded, found in spellings.items() if sum(found.values()) >= min_count}
    if not kept:
        return []
    raw_values = [value for found in kept.values() for value in found]
    if with_rows:
        rows = complaint_rows(session=session, period=period, where=[column.in_(raw_values)])
    else:
        ranked = (
            sa.select(
                col(Complaint.id),
                col(Complaint.tracking_number),
                received,
                column,
                sa.func.row_number().over(partition_by=column, order_by=(received, col(Complaint.id))).label("rank"),
            )
            .where(*in_period(period), column.in_(raw_values))
            .subquery()
        )
        statement = sa.select(ranked).where(ranked.c.rank <= LISTED).order_by(ranked.c.received_at, ranked.c.id)
        rows = [dict(row._mapping) for row in session.connection().execute(statement)]
    members: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        members[fold(row[name])].append(row)
    return [
        _Found(
            value=found.most_common(1)[0][0],
            members=members[folded],
            complaints=sum(found.values()),
            first=min(spans[folded]),
            last=max(spans[folded]),
        )
        for folded, found in kept.items()
    ]


def _utc(moment: Any) -> dt.datetime:
    """min()/max() of a UTC column: SQLite answers with text, PostgreSQL with a datetime."""
    value = moment if isinstance(moment, dt.datetime) else dt.datetime.fromisoformat(str(moment))
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def repeated_groups(
    *,
    session: Session,
    period: ReportPeriod,
    key: RepeatKey,
    min_count: int,
    label: Callable[[str], str],
    with_rows: bool = False,
) -> tuple[list[RepeatedGroup], list[dict[str, Any]]]:
    """The groups (most complaints first) and, `with_rows`, every complaint of them with its
    group's `repeated_value` (the CSV)."""
    if key is RepeatKey.customer:
        found = _customer_groups(session, period, with_rows)
    else:
        found = _value_groups(session, period, key, min_count, with_rows)
    kept = sorted((group for group in found if group.complaints >= min_count), key=lambda g: (-g.complaints, g.first))
    groups = [
        RepeatedGroup(
            key=key,
            value=group.value,
            label=label(group.value),
            complaints=group.complaints,
            tracking_numbers=[member["tracking_number"] for member in group.members[:LISTED]],
            first_received_at=period.policy.local(group.first),
            last_received_at=period.policy.local(group.last),
        )
        for group in kept
    ]
    behind = (
        [{**member, "repeated_value": group.value} for group in kept for member in group.members] if with_rows else []
    )
    return groups, behind
