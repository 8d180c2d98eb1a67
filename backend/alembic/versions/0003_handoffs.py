"""handoff to a human agent: handoffs, conversation messages (transcripts), complaint by conversation

Revision ID: 0003_handoffs
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_handoffs"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "handoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("open_conversation_id", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("policy", sa.String(length=32), nullable=False),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("requested_at", UTC_DATETIME, nullable=False),
        sa.Column("expected_reply_by", UTC_DATETIME, nullable=False),
        sa.Column("within_working_hours", sa.Boolean(), nullable=False),
        sa.Column("next_shift_starts", UTC_DATETIME, nullable=True),
        sa.Column("agent_username", sa.String(length=32), nullable=True),
        sa.Column("agent_name", sa.String(length=200), nullable=True),
        sa.Column("taken_at", UTC_DATETIME, nullable=True),
        sa.Column("closed_at", UTC_DATETIME, nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("bot_paused", sa.Boolean(), nullable=False),
        sa.Column("tracking_number", sa.String(length=9), nullable=True),
        sa.Column("log", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff")),
        # At most one open handoff per conversation (closed ones have NULL here).
        sa.UniqueConstraint("open_conversation_id", name=op.f("uq_handoff_open_conversation_id")),
    )
    op.create_index(op.f("ix_handoff_conversation_id"), "handoff", ["conversation_id"])
    op.create_index(op.f("ix_handoff_status"), "handoff", ["status"])

    op.create_table(
        "conversation_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("stored_at", UTC_DATETIME, nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("event_key", sa.String(length=64), nullable=False),
        sa.Column("agent_username", sa.String(length=32), nullable=True),
        sa.Column("agent_name", sa.String(length=200), nullable=True),
        sa.Column("delivered_at", UTC_DATETIME, nullable=True),
        sa.Column("delivery_error", sa.String(length=200), nullable=True),
        sa.Column("intent", sa.String(length=100), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_message")),
        sa.UniqueConstraint("event_key", name=op.f("uq_conversation_message_event_key")),
    )
    op.create_index(op.f("ix_conversation_message_conversation_id"), "conversation_message", ["conversation_id"])
    op.create_index(op.f("ix_conversation_message_stored_at"), "conversation_message", ["stored_at"])

    # A complaint's transcript is found by its conversation id.
    with op.batch_alter_table("complaint") as batch:
        batch.create_index(batch.f("ix_complaint_conversation_id"), ["conversation_id"])


def downgrade() -> None:
    with op.batch_alter_table("complaint") as batch:
        batch.drop_index(batch.f("ix_complaint_conversation_id"))
    op.drop_table("conversation_message")
    op.drop_table("handoff")
