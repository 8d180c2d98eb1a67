"""What the complaint page shows beside the complaint: the same customer's other complaints."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from backend.app.complaints.models import Complaint

EARLIER_LIMIT = 20


def earlier_complaints(*, session: Session, complaint: Complaint, limit: int = EARLIER_LIMIT) -> list[Complaint]:
    """Other complaints with the same phone or e-mail, newest first (none once erased)."""
    same = [
        column == value
        for column, value in ((Complaint.phone, complaint.phone), (Complaint.email, complaint.email))
        if value
    ]
    if not same:
        return []
    statement = (
        select(Complaint)
        .where(sa.or_(*same), col(Complaint.id) != complaint.id)
        .order_by(col(Complaint.created_at).desc(), col(Complaint.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement).all())
