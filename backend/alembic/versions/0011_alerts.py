"""alert, alert_recipient and agent.email: the staff's alerts, each person's copy (their
console inbox) and the address their e-mail alerts go to (backend/app/alerts); the staff rows of
`notification` still planned (agent_reminder, escalation, rereview to AGENTS_EMAIL or nowhere)
are cancelled: alerts replace them

Revision ID: 0011_alerts
Revises: 0010_teams
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_alerts"
down_revision: str | None = "0010_teams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("policy", sa.String(length=32), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("handoff_id", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.String(length=32), nullable=True),
        sa.Column("deadline_at", UTC_DATETIME, nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("due_at", UTC_DATETIME, nullable=False),
        sa.Column("state", sa.String(length=16), server_default="planned", nullable=False),
        sa.Column("attempt_at", UTC_DATETIME, nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", UTC_DATETIME, nullable=True),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaint.id"], name=op.f("fk_alert_complaint_id_complaint"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["handoff_id"], ["handoff.id"], name=op.f("fk_alert_handoff_id_handoff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        sa.UniqueConstraint("key", name=op.f("uq_alert_key")),
    )
    op.create_index(op.f("ix_alert_complaint_id"), "alert", ["complaint_id"])
    op.create_index(op.f("ix_alert_handoff_id"), "alert", ["handoff_id"])
    op.create_index("ix_alert_state_attempt_at", "alert", ["state", "attempt_at"])
    op.create_table(
        "alert_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("read_at", UTC_DATETIME, nullable=True),
        sa.Column("snoozed_until", UTC_DATETIME, nullable=True),
        sa.Column("routes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_recipient_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agent.id"], name=op.f("fk_alert_recipient_agent_id_agent"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_recipient")),
        sa.UniqueConstraint("alert_id", "agent_id", name=op.f("uq_alert_recipient_alert_id")),
    )
    op.create_index(op.f("ix_alert_recipient_created_at"), "alert_recipient", ["created_at"])
    op.create_index("ix_alert_recipient_agent_id_read_at", "alert_recipient", ["agent_id", "read_at"])
    with op.batch_alter_table("agent") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    op.execute(
        "UPDATE notification SET state = 'cancelled', "
        "last_error = 'replaced by the alerts (backend/app/alerts)' "
        "WHERE audience <> 'customer' AND state = 'planned'"
    )


def downgrade() -> None:
    with op.batch_alter_table("agent") as batch:
        batch.drop_column("email")
    op.drop_index("ix_alert_recipient_agent_id_read_at", table_name="alert_recipient")
    op.drop_index(op.f("ix_alert_recipient_created_at"), table_name="alert_recipient")
    op.drop_table("alert_recipient")
    op.drop_index("ix_alert_state_attempt_at", table_name="alert")
    op.drop_index(op.f("ix_alert_handoff_id"), table_name="alert")
    op.drop_index(op.f("ix_alert_complaint_id"), table_name="alert")
    op.drop_table("alert")
