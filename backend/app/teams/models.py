"""Teams (a row per team of a policy profile, synced at start-up) and their members."""

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.app.accounts.models import AgentRef
from backend.app.core.models import UTCDateTime


class Team(SQLModel, table=True):
    __tablename__ = "team"
    __table_args__ = (sa.UniqueConstraint("policy", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    policy: str = Field(max_length=32, index=True)
    # The team's id in the policy's profile; its names come from the profile too.
    key: str = Field(max_length=16)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class TeamMember(SQLModel, table=True):
    __tablename__ = "team_member"

    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE", primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", ondelete="CASCADE", primary_key=True, index=True)
    added_at: dt.datetime = Field(sa_type=UTCDateTime)


class TeamPublic(SQLModel):
    id: int
    policy: str
    key: str
    # The team's name in the console's five languages (ru, az, ro, tr, en).
    names: dict[str, str]
    # The categories whose complaints come to this team.
    categories: list[str]
    # Conversations without a complaint (and complaints without a category) come to it.
    handoff: bool
    members: list[AgentRef]
