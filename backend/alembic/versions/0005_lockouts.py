"""lock-outs that grow: how many a complaint's PIN and an agent's login had since the last
right secret (backend/app/core/lockout.py)

Revision ID: 0005_lockouts
Revises: 0004_notifications
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_lockouts"
down_revision: str | None = "0004_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("complaint") as batch:
        batch.add_column(sa.Column("pin_lockouts", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("agent") as batch:
        batch.add_column(sa.Column("login_lockouts", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("agent") as batch:
        batch.drop_column("login_lockouts")
    with op.batch_alter_table("complaint") as batch:
        batch.drop_column("pin_lockouts")
