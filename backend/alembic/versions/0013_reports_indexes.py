"""reports: the complaint's latest decision and first dispute as columns (filled from the
history), and the index of one policy's complaints received in a period
(backend/app/reports/service.py)

Revision ID: 0013_reports_indexes
Revises: 0012_staff_telegram
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_reports_indexes"
down_revision: str | None = "0012_staff_telegram"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("complaint") as batch:
        batch.add_column(sa.Column("decided_at", UTC_DATETIME, nullable=True))
        batch.add_column(sa.Column("disputed_at", UTC_DATETIME, nullable=True))
    # What the history says so far: the latest `resolved` status entry, the first `disputed` one.
    op.execute(
        "UPDATE complaint SET decided_at = (SELECT max(at) FROM status_change"
        " WHERE status_change.complaint_id = complaint.id AND kind = 'status' AND status = 'resolved'),"
        " disputed_at = (SELECT min(at) FROM status_change"
        " WHERE status_change.complaint_id = complaint.id AND kind = 'status' AND status = 'disputed')"
    )
    # Every report: "policy = ? AND received_at in [start, end)".
    op.create_index("ix_complaint_policy_received_at", "complaint", ["policy", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_complaint_policy_received_at", table_name="complaint")
    with op.batch_alter_table("complaint") as batch:
        batch.drop_column("disputed_at")
        batch.drop_column("decided_at")
