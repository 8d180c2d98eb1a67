import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlmodel import SQLModel

from backend.app.core.db import alembic_config, create_db_engine, include_in_comparison
from tests.backend.conftest import DATABASES


def test_database_is_at_head_and_matches_the_models(client: TestClient, engine: sa.Engine) -> None:
    """The app migrated the test database on start; the migrations produce the models."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_in_comparison}
        )
        assert context.get_current_revision() == head
        assert compare_metadata(context, SQLModel.metadata) == []


@pytest.mark.parametrize("kind", DATABASES)
def test_migrations_go_down_and_up_again(kind: str, tmp_path: Path) -> None:
    """Every revision's downgrade works (on a database of its own)."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    else:
        schema = f"test_roundtrip_{uuid.uuid4().hex[:12]}"
        base = sa.engine.make_url(os.environ["TEST_POSTGRES_URL"])
        url = base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
        admin = sa.create_engine(base)
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = create_db_engine(url)
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            command.downgrade(config, "base")
            assert sa.inspect(connection).get_table_names() == ["alembic_version"]
            command.upgrade(config, "head")
            assert {"agent", "auth_token", "attachment", "complaint"} <= set(sa.inspect(connection).get_table_names())
    finally:
        engine.dispose()
        if kind != "sqlite":
            with admin.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
