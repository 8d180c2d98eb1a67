"""a decision's outcome and steps taken in the history; the agent's console language

Revision ID: 0006_decisions_language
Revises: 0005_lockouts
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_decisions_language"
down_revision: str | None = "0005_lockouts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("status_change") as batch:
        batch.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("steps_taken", sa.Text(), nullable=True))
    with op.batch_alter_table("agent") as batch:
        batch.add_column(sa.Column("language", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agent") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("status_change") as batch:
        batch.drop_column("steps_taken")
        batch.drop_column("outcome")
