"""notifications on the policy's timeline: states, claims, attempts; the closing loop's
rating and rejections; APScheduler's job table

Revision ID: 0004_notifications
Revises: 0003_handoffs
Create Date: 2026-11-23
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_notifications"
down_revision: str | None = "0003_handoffs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("audience", sa.String(length=16), server_default="customer", nullable=False))
        batch.add_column(sa.Column("language", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("state", sa.String(length=16), server_default="planned", nullable=False))
        batch.add_column(sa.Column("deadline", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("attempt_at", UTC_DATETIME, nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("last_error", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("claimed_until", UTC_DATETIME, nullable=True))
        batch.add_column(sa.Column("key", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("payload", sa.JSON(), nullable=True))

    # Rows from before (none are written by earlier code, but be safe): due now, own keys.
    notification = sa.table(
        "notification", sa.column("id", sa.Integer()), sa.column("due_at"), sa.column("attempt_at"), sa.column("key")
    )
    connection = op.get_bind()
    connection.execute(sa.update(notification).values(attempt_at=notification.c.due_at))
    for (row_id,) in connection.execute(sa.select(notification.c.id)).all():
        connection.execute(sa.update(notification).where(notification.c.id == row_id).values(key=uuid.uuid4().hex))

    with op.batch_alter_table("notification") as batch:
        batch.alter_column("attempt_at", existing_type=UTC_DATETIME, nullable=False)
        batch.alter_column("key", existing_type=sa.String(length=32), nullable=False)
        batch.create_unique_constraint(batch.f("uq_notification_key"), ["key"])
        batch.create_index("ix_notification_state_attempt_at", ["state", "attempt_at"])

    op.create_table(
        "notification_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("worker", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_notification_attempt_complaint_id_complaint"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notification.id"],
            name=op.f("fk_notification_attempt_notification_id_notification"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_attempt")),
    )
    op.create_index(op.f("ix_notification_attempt_complaint_id"), "notification_attempt", ["complaint_id"])
    op.create_index(op.f("ix_notification_attempt_notification_id"), "notification_attempt", ["notification_id"])

    with op.batch_alter_table("complaint") as batch:
        batch.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rejections", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("delayed_to", UTC_DATETIME, nullable=True))
        batch.add_column(sa.Column("notification_failed", sa.Boolean(), server_default=sa.false(), nullable=False))

    # APScheduler's SQLAlchemyJobStore table (its own "create if missing" then finds it).
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(length=191), nullable=False),
        sa.Column("next_run_time", sa.Float(precision=25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apscheduler_jobs")),
    )
    op.create_index(op.f("ix_apscheduler_jobs_next_run_time"), "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    op.drop_table("apscheduler_jobs")
    with op.batch_alter_table("complaint") as batch:
        batch.drop_column("notification_failed")
        batch.drop_column("delayed_to")
        batch.drop_column("rejections")
        batch.drop_column("rating")
    op.drop_table("notification_attempt")
    with op.batch_alter_table("notification") as batch:
        batch.drop_index("ix_notification_state_attempt_at")
        batch.drop_constraint(batch.f("uq_notification_key"), type_="unique")
        for column in (
            "payload",
            "key",
            "claimed_until",
            "claimed_by",
            "last_error",
            "attempts",
            "attempt_at",
            "deadline",
            "state",
            "language",
            "audience",
        ):
            batch.drop_column(column)
