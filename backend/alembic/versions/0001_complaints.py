"""complaints, their status history and notifications

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than imported from the app, so this revision never changes under it.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "complaint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_number", sa.String(length=9), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("policy", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("staff_member", sa.String(length=200), nullable=True),
        sa.Column("complaint_text", sa.Text(), nullable=True),
        sa.Column("complaint_category", sa.String(length=16), nullable=True),
        sa.Column("inverter_model", sa.String(length=100), nullable=True),
        sa.Column("serial_number", sa.String(length=100), nullable=True),
        sa.Column("ticket_number", sa.String(length=100), nullable=True),
        sa.Column("solution_idea", sa.Text(), nullable=True),
        sa.Column("conversation_id", sa.String(length=200), nullable=True),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("acknowledged_at", UTC_DATETIME, nullable=True),
        sa.Column("acknowledge_by", UTC_DATETIME, nullable=False),
        sa.Column("investigate_by", UTC_DATETIME, nullable=True),
        sa.Column("progress_update_by", UTC_DATETIME, nullable=True),
        sa.Column("resolve_by", UTC_DATETIME, nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("pin_failed_attempts", sa.Integer(), nullable=False),
        sa.Column("pin_locked_until", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_complaint_idempotency_key")),
        sa.UniqueConstraint("tracking_number", name=op.f("uq_complaint_tracking_number")),
    )
    op.create_index(op.f("ix_complaint_created_at"), "complaint", ["created_at"])
    op.create_index(op.f("ix_complaint_policy"), "complaint", ["policy"])
    op.create_index(op.f("ix_complaint_status"), "complaint", ["status"])

    op.create_table(
        "status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("visible_to_customer", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaint.id"], name=op.f("fk_status_change_complaint_id_complaint"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_change")),
    )
    op.create_index(op.f("ix_status_change_complaint_id"), "status_change", ["complaint_id"])

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("due_at", UTC_DATETIME, nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaint.id"], name=op.f("fk_notification_complaint_id_complaint"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_index(op.f("ix_notification_complaint_id"), "notification", ["complaint_id"])


def downgrade() -> None:
    op.drop_table("notification")
    op.drop_table("status_change")
    op.drop_table("complaint")
