"""Alembic environment: the URL comes from the backend's Settings, or the application hands
over its own connection (`config.attributes["connection"]`, see backend.app.core.db)."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import backend.app.accounts.models  # noqa: F401  (each feature's tables register on SQLModel.metadata)
import backend.app.alerts.models  # noqa: F401
import backend.app.attachments.models  # noqa: F401
import backend.app.complaints.models  # noqa: F401
import backend.app.conversations.models  # noqa: F401
import backend.app.handoff.models  # noqa: F401
import backend.app.mail.models  # noqa: F401
import backend.app.notifications.models  # noqa: F401
import backend.app.staffbot.models  # noqa: F401
from backend.app.core.db import create_db_engine, include_in_comparison
from backend.app.core.settings import Settings

config = context.config
target_metadata = SQLModel.metadata


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_in_comparison,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    # Command line: alembic's own logging set-up (never inside the app: it would replace
    # the server's logging configuration).
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = create_db_engine(Settings().database_url)
    with engine.connect() as connection:
        run_with(connection)
    engine.dispose()


def run_offline() -> None:
    context.configure(
        url=Settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
