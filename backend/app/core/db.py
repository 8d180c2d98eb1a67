"""Engine construction and schema migrations (alembic; `create_all` is never used)."""

import logging
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"
# Serialises `alembic upgrade` between backend replicas starting at once on PostgreSQL.
_MIGRATION_LOCK_ID = 0x636F6D706C61  # "compla"
_VERSION_TABLE = "alembic_version"  # alembic's default (backend/alembic/env.py keeps it)


# Connections kept open per process: FastAPI runs sync routes on up to 40 threads, and a
# PostgreSQL connection opened and closed per request (SQLAlchemy's default pool keeps 5)
# costs the database more CPU than the request itself.
_POOL_SIZE = 20
_POOL_OVERFLOW = 20


def create_db_engine(url: str) -> Engine:
    backend = sa.engine.make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15},
            pool_size=_POOL_SIZE,
            max_overflow=_POOL_OVERFLOW,
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=_POOL_SIZE, max_overflow=_POOL_OVERFLOW)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Erased personal data is overwritten, not left in the file's free space (privacy.service.erase).
    cursor.execute("PRAGMA secure_delete=ON")
    # Write-ahead log: readers no longer block the writer (several uvicorn workers share the
    # file); synchronous stays FULL, so a committed complaint survives a power cut.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
    # SQLite's own lower() folds ASCII only; searches must find "Иванов" and "ƏLİ" as PostgreSQL does.
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


# Indexes a migration creates only where the database allows (PostgreSQL with pg_trgm):
# no model declares them, so the comparison of models and database leaves them out.
OPTIONAL_INDEXES = frozenset({"ix_complaint_search_trgm"})


def include_in_comparison(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """alembic's `include_object`: everything but the optional indexes."""
    return not (type_ == "index" and name in OPTIONAL_INDEXES)


def alembic_config() -> Config:
    return Config(str(ALEMBIC_INI))


def run_migrations(engine: Engine) -> None:
    """`alembic upgrade head` on the application's own engine."""
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    log.info("database schema is at the latest revision")


@cache
def _script_heads() -> frozenset[str]:
    """The revisions `upgrade head` leads to; read from the scripts once (they do not change
    while the process runs, and /readyz is asked every second)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def schema_is_current(connection: sa.Connection) -> bool:
    """Whether the database is at the revision this code expects (not migrated yet, or migrated
    further by a newer release: not ready). Reads alembic's table itself: alembic's
    MigrationContext logs two INFO lines each time, and the balancer asks every second."""
    if not sa.inspect(connection).has_table(_VERSION_TABLE):
        return False
    current = connection.execute(sa.text(f"SELECT version_num FROM {_VERSION_TABLE}")).scalars()
    return frozenset(current) == _script_heads()
