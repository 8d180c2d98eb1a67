"""notification.sealed_pin: the encrypted PIN a registration SMS carries until it is sent
(backend/app/notifications/sealed_pin.py)

Revision ID: 0009_sealed_pin
Revises: 0008_mail_letters
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_sealed_pin"
down_revision: str | None = "0008_mail_letters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("sealed_pin", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("sealed_pin")
