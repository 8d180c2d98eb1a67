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
from typing import Any

from sqlmodel import Session, col

from backend.app.complaints.models import Complaint
from backend.app.reports.models import RepeatedGroup, RepeatKey
from backend.app.reports.period import ReportPeriod
from backend.app.reports.service import complaint_rows, normalised

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


def repeated_groups(
    *, session: Session, period: ReportPeriod, key: RepeatKey, min_count: int, label: Callable[[str], str]
) -> tuple[list[RepeatedGroup], list[dict[str, Any]]]:
    """The groups (most complaints first) and the rows of their complaints, each with its
    group's `repeated_value` (the CSV)."""
    if key is RepeatKey.customer:
        rows = complaint_rows(
            session=session,
            period=period,
            where=[(col(Complaint.phone).is_not(None)) | (col(Complaint.email).is_not(None))],
        )
        grouped = _customers(rows)
        value_of = {root: _shared_contact(members) for root, members in grouped.items()}
    else:
        column = _COLUMNS[key]
        rows = complaint_rows(session=session, period=period, where=[col(column).is_not(None)])
        fold = _KEYS[key]
        by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_key[fold(row[column.key])].append(row)  # type: ignore[attr-defined]
        grouped = dict(enumerate(by_key.values()))
        value_of = {index: members[0][column.key] for index, members in grouped.items()}  # type: ignore[attr-defined]
    groups: list[RepeatedGroup] = []
    behind: list[dict[str, Any]] = []
    kept = sorted(
        ((root, members) for root, members in grouped.items() if len(members) >= min_count),
        key=lambda item: (-len(item[1]), item[1][0]["received_at"]),
    )
    for root, members in kept:
        value = str(value_of[root])
        received: list[dt.datetime] = [member["received_at"] for member in members]
        groups.append(
            RepeatedGroup(
                key=key,
                value=value,
                label=label(value),
                complaints=len(members),
                tracking_numbers=[member["tracking_number"] for member in members[:LISTED]],
                first_received_at=period.policy.local(min(received)),
                last_received_at=period.policy.local(max(received)),
            )
        )
        behind.extend({**member, "repeated_value": value} for member in members)
    return groups, behind
