import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlmodel import SQLModel

from backend.app.db import alembic_config


def test_database_is_at_head_and_matches_the_models(client: TestClient, engine: sa.Engine) -> None:
    """The app migrated the test database on start; the migrations produce the models."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert context.get_current_revision() == head
        assert compare_metadata(context, SQLModel.metadata) == []
