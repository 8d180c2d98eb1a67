"""What every feature's tables share: the UTC column type, the clock's "now", the database's
constraint names, and the small validators of API schemas."""

import datetime as dt
from typing import Any

import sqlalchemy as sa
from pydantic import StringConstraints
from sqlalchemy.engine import Dialect
from sqlmodel import SQLModel

from backend.app.core import clock

# Constraint names that alembic can reproduce on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out, on PostgreSQL and on SQLite alike."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    # backend.app.core.clock: the real clock, or a test's controlled one.
    return clock.now()


def stripped(max_length: int, min_length: int = 1) -> Any:
    """A string field without surrounding blanks, of `min_length` to `max_length` characters."""
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


def blank_to_none(value: Any) -> Any:
    """A blank string counts as missing."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value
