"""staff_telegram_link and staff_telegram_code: agents' Telegram chats for the staff bot and
the one-time codes that link them (backend/app/staffbot)

Revision ID: 0012_staff_telegram
Revises: 0011_alerts
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_staff_telegram"
# Built in parallel with 0011_alerts (branch i23-alerts) on top of 0010_teams; re-chained after
# it when the alerts branch was merged in, so that the history stays one line.
down_revision: str | None = "0011_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff_telegram_link",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("linked_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agent.id"], name=op.f("fk_staff_telegram_link_agent_id_agent"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_staff_telegram_link")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_staff_telegram_link_chat_id")),
    )
    op.create_table(
        "staff_telegram_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("used_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agent.id"], name=op.f("fk_staff_telegram_code_agent_id_agent"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_telegram_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_staff_telegram_code_code_hash")),
    )
    op.create_index(op.f("ix_staff_telegram_code_agent_id"), "staff_telegram_code", ["agent_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_telegram_code_agent_id"), table_name="staff_telegram_code")
    op.drop_table("staff_telegram_code")
    op.drop_table("staff_telegram_link")
