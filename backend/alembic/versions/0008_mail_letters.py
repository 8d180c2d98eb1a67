"""mail letters: one row per letter in and out of the e-mail channel (backend/app/mail)

Revision ID: 0008_mail_letters
Revises: 0007_workspace_indexes
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

UTC_DATETIME = sa.DateTime(timezone=True)

revision: str = "0008_mail_letters"
down_revision: str | None = "0007_workspace_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("message_id", sa.String(998), nullable=False),
        sa.Column("thread", sa.String(998), nullable=False),
        sa.Column("in_reply_to", sa.String(998), nullable=True),
        sa.Column("references", sa.Text(), nullable=True),
        sa.Column("subject", sa.String(998), nullable=True),
        sa.Column("conversation_id", sa.String(200), nullable=True),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(254), nullable=True),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until", UTC_DATETIME, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaint.id"], name="fk_mail_letter_complaint_id_complaint", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mail_letter"),
        sa.UniqueConstraint("direction", "message_id", name="uq_mail_letter_direction_message_id"),
    )
    op.create_index("ix_mail_letter_thread", "mail_letter", ["thread"])
    op.create_index("ix_mail_letter_conversation_id", "mail_letter", ["conversation_id"])
    op.create_index("ix_mail_letter_complaint_id", "mail_letter", ["complaint_id"])


def downgrade() -> None:
    op.drop_index("ix_mail_letter_complaint_id", "mail_letter")
    op.drop_index("ix_mail_letter_conversation_id", "mail_letter")
    op.drop_index("ix_mail_letter_thread", "mail_letter")
    op.drop_table("mail_letter")
