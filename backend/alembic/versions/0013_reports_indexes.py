"""reports indexes: the complaints of one policy received in a period, and each complaint's
decisions and disputes in its history (backend/app/reports/service.py)

Revision ID: 0013_reports_indexes
Revises: 0010_teams
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_reports_indexes"
down_revision: str | None = "0010_teams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every report: "policy = ? AND received_at in [start, end)".
    op.create_index("ix_complaint_policy_received_at", "complaint", ["policy", "received_at"])
    # The decisions sub-query: status entries of kinds resolved / disputed, by complaint, with
    # their moment; the index holds every column it reads.
    op.create_index(
        "ix_status_change_kind_status_complaint_id_at", "status_change", ["kind", "status", "complaint_id", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_status_change_kind_status_complaint_id_at", table_name="status_change")
    op.drop_index("ix_complaint_policy_received_at", table_name="complaint")
