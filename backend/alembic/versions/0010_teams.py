"""team, team_member and complaint.team_id: the teams of the policy profiles, their members,
and the team whose queue a complaint is in (backend/app/teams)

Revision ID: 0010_teams
Revises: 0009_sealed_pin
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_teams"
down_revision: str | None = "0009_sealed_pin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("policy", "key", name=op.f("uq_team_policy")),
    )
    op.create_index(op.f("ix_team_policy"), "team", ["policy"])
    op.create_table(
        "team_member",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("added_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_team_member_team_id_team"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agent.id"], name=op.f("fk_team_member_agent_id_agent"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", "agent_id", name=op.f("pk_team_member")),
    )
    op.create_index(op.f("ix_team_member_agent_id"), "team_member", ["agent_id"])
    with op.batch_alter_table("complaint") as batch:
        batch.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_complaint_team_id"), ["team_id"])
        batch.create_foreign_key(batch.f("fk_complaint_team_id_team"), "team", ["team_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("complaint") as batch:
        batch.drop_constraint(batch.f("fk_complaint_team_id_team"), type_="foreignkey")
        batch.drop_index(batch.f("ix_complaint_team_id"))
        batch.drop_column("team_id")
    op.drop_index(op.f("ix_team_member_agent_id"), table_name="team_member")
    op.drop_table("team_member")
    op.drop_index(op.f("ix_team_policy"), table_name="team")
    op.drop_table("team")
